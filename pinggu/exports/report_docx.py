"""The per-unit evaluation report (评估报告, issue 10 §6) in 公文 style: total, grade, rank when published, a
table per indicator, every deduction with its reason and a rectification suggestion, the evaluators and the
date; and all units' reports as one ZIP. Never the private comments (they are not in results_data)."""

import io
import zipfile

from django.utils import timezone

from pinggu.lib import gongwen

from .names import windows_safe
from .results_data import CampaignResults, Point, UnitResult

VERDICTS = {"pass": "符合", "partial": "部分符合", "fail": "不符合", "not_applicable": "不适用", None: "未评"}
CN_NUMBERS = "一二三四五六七八九十"


def _n(value):
    return "—" if value is None else f"{value:g}"


def suggestion(point: Point) -> str:
    """A rectification suggestion (整改建议) from the point and what was found; the evaluator's reason is the
    finding, the point's requirement the target."""
    found = point.reason or "；".join(d["text"] for d in point.deductions) or "未达到考核要求"
    return f"针对“{found}”，对照“{point.text}”的要求逐项整改，补充完善相关公开内容和印证材料。"


def _rank_text(results: CampaignResults, unit: UnitResult, *, show_rank: bool) -> str:
    if unit.total is None:
        return f"评估尚未完成（已评 {unit.reviewed}/{unit.points} 个考核点），暂无总分和排名。"
    text = f"总分 {unit.total:.2f} 分（基础分 {_n(unit.base)} 分，加分 {_n(unit.bonus)} 分），等次为“{unit.grade}”"
    if unit.vetoed:
        text += "（因单项否决项不符合，等次定为最低档）"
    if show_rank and unit.rank is not None:
        text += f"，在{unit.kind_name}中排名第 {unit.rank} 位"
    return text + "。"


def write(document, results: CampaignResults, unit: UnitResult, *, show_rank: bool):
    campaign = results.campaign
    gongwen.title(document, f"{unit.unit_name}{campaign.title}评估报告")
    gongwen.blank(document)
    gongwen.heading1(document, "一、评估结果")
    gongwen.body(document, _rank_text(results, unit, show_rank=show_rank))
    gongwen.heading1(document, "二、各指标得分")
    tops = [i for i in unit.indicators if i.level == 1]
    for n, top in enumerate(tops):
        label = CN_NUMBERS[n] if n < len(CN_NUMBERS) else str(n + 1)
        gongwen.heading2(document, f"（{label}）{top.code} {top.title}：{_n(top.score)} / {_n(top.max)} 分")
        members = [i for i in unit.indicators if i.code == top.code or _under(unit, i.code, top.code)]
        rows = [[p.code, p.text, VERDICTS.get(p.verdict, p.verdict), _n(p.score), _n(p.max)]
                for i in members for p in i.points]
        if rows:
            gongwen.simple_table(document, ["编号", "考核点", "结论", "得分", "满分"], rows, wide=1, align_left=(1,))
    gongwen.heading1(document, "三、失分情况及整改建议")
    lost = unit.lost_points
    if not lost:
        gongwen.body(document, "本次评估无失分项。")
    for n, point in enumerate(lost, 1):
        gongwen.body(document, f"{n}. {point.code} {point.text}（得分 {_n(point.score)} / {_n(point.max)} 分）")
        for d in point.deductions:
            count = f" × {d['count']}" if d["count"] != 1 else ""
            gongwen.body(document, f"扣分：{d['text']}{count}，每次 {_n(d['points'])} 分。")
        gongwen.body(document, f"失分原因：{point.reason or '—'}")
        gongwen.body(document, f"整改建议：{suggestion(point)}")
    gongwen.heading1(document, "四、评估人员")
    gongwen.body(document, "、".join(unit.evaluators) or "—")
    day = results.published_at or unit.reviewed_on or timezone.now()
    gongwen.signature(document, campaign.issuer, timezone.localtime(day).date())


def _under(unit: UnitResult, code: str, top: str) -> bool:
    """Whether indicator `code` lies under the 一级 indicator `top` (the indicators come parents first)."""
    current = None
    for indicator in unit.indicators:
        if indicator.level == 1:
            current = indicator.code
        if indicator.code == code:
            return current == top
    return False


def build(results: CampaignResults, unit: UnitResult, *, show_rank: bool) -> bytes:
    document = gongwen.new_document(title=f"{unit.unit_name}评估报告", author=results.campaign.issuer)
    write(document, results, unit, show_rank=show_rank)
    return gongwen.to_bytes(document)


def report_filename(results: CampaignResults, unit: UnitResult) -> str:
    return windows_safe(f"{unit.unit_code}-{unit.unit_name}-评估报告") + ".docx"


def write_zip(results: CampaignResults, out, *, progress=None) -> None:
    """Every unit's report into the ZIP file `out`; `progress(done, total)` after each."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, unit in enumerate(results.units, 1):
            archive.writestr(report_filename(results, unit), build(results, unit, show_rank=True))
            if progress:
                progress(n, len(results.units))


def build_zip(results: CampaignResults, *, progress=None) -> bytes:
    buffer = io.BytesIO()
    write_zip(results, buffer, progress=progress)
    return buffer.getvalue()
