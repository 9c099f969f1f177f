"""The campaign's results summary (评估结果汇总, issue 10 §6) in 公文 style: overview, the score distribution and
the per-indicator averages as charts drawn on the server, a ranking table per unit kind, the most frequent
deductions."""

from collections import defaultdict

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm

from pinggu.lib import gongwen

from . import charts
from .results_data import CampaignResults


def _picture(document, png: bytes):
    import io

    p = gongwen.paragraph(document, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    # The body's exact line height (GB/T 9704's 22 lines a page) would clip the picture to one line.
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    p.add_run().add_picture(io.BytesIO(png), width=Mm(150))


def indicator_rows(results: CampaignResults) -> list[tuple[str, float, float]]:
    """(一级 indicator "code title", average score, maximum) over the units with a total."""
    sums: dict[str, list[float]] = defaultdict(list)
    tops: dict[str, float] = {}
    for unit in results.units:
        if unit.total is None:
            continue
        for indicator in unit.indicators:
            if indicator.level == 1 and indicator.score is not None:
                label = f"{indicator.code} {indicator.title}"
                sums[label].append(indicator.score)
                tops[label] = max(tops.get(label, 0), indicator.max or 0)
    return [(label, sum(values) / len(values), tops[label]) for label, values in sums.items()]


STEPS = 5  # the overview, the two charts, the rankings, the deductions


def build(results: CampaignResults, *, progress=None) -> bytes:
    """`progress(done, STEPS)` after each of the five parts (the charts take the time)."""
    step = 0

    def advance():
        nonlocal step
        step += 1
        if progress:
            progress(step, STEPS)

    campaign = results.campaign
    document = gongwen.new_document(title=f"{campaign.title}评估结果汇总", author=campaign.issuer)
    gongwen.title(document, f"{campaign.title}评估结果汇总")
    gongwen.blank(document)
    scored = [u for u in results.units if u.total is not None]
    totals = [u.total for u in scored if u.total is not None]
    gongwen.heading1(document, "一、总体情况")
    text = f"本次评估共有 {len(results.units)} 家单位参评，已完成评分 {len(scored)} 家"
    if totals:
        text += f"，平均得分 {sum(totals) / len(totals):.2f} 分，最高 {max(totals):.2f} 分，最低 {min(totals):.2f} 分"
        grades: dict[str, int] = defaultdict(int)
        for unit in scored:
            grades[unit.grade or "—"] += 1
        text += "；其中" + "，".join(f"{grade} {n} 家" for grade, n in grades.items())
        vetoed = sum(1 for u in scored if u.vetoed)
        if vetoed:
            text += f"，单项否决 {vetoed} 家"
    gongwen.body(document, text + "。")
    advance()
    gongwen.heading1(document, "二、得分分布")
    _picture(document, charts.distribution(totals))
    advance()
    rows = indicator_rows(results)
    gongwen.heading1(document, "三、各指标平均得分")
    if rows:
        _picture(document, charts.indicator_averages(rows))
        gongwen.simple_table(document, ["一级指标", "平均得分", "满分", "得分率"],
                             [[label, f"{avg:.2f}", f"{top:g}", f"{avg / top * 100:.1f}%" if top else "—"]
                              for label, avg, top in rows], wide=0, align_left=(0,))
    advance()
    gongwen.heading1(document, "四、排名情况")
    for kind_name, units in results.by_kind().items():
        gongwen.heading2(document, f"{kind_name}（{len(units)} 家）")
        gongwen.simple_table(document, ["排名", "单位", "总分", "等次"],
                             [[u.rank if u.rank is not None else "—", u.unit_name,
                               f"{u.total:.2f}" if u.total is not None else "未完成", (u.grade or "—") + ("（否决）" if u.vetoed else "")]
                              for u in units], wide=1, align_left=(1,))
    advance()
    gongwen.heading1(document, "五、主要失分问题")
    frequent = results.frequent_deductions()
    if frequent:
        gongwen.simple_table(document, ["考核点", "失分事项", "涉及单位数"], [[code, text, n] for code, text, n in frequent],
                             wide=1, align_left=(1,))
    else:
        gongwen.body(document, "本次评估暂无失分项。")
    advance()
    day = results.published_at or timezone.now()
    gongwen.signature(document, campaign.issuer, timezone.localtime(day).date())
    return gongwen.to_bytes(document)
