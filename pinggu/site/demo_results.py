"""The demo's second campaign (issue 10 §8): last year's evaluation, finished — the same units, a scored copy of
the checklists (points and deduction rules, as other cities use), every unit submitted, reviewed and the results
published with the ranking a few days ago; some units have objected (pending, upheld, rejected) and recorded
rectifications (done, under way), so the review, results, objection, rectification and export screens have
something to show.

Created once, through the same services people use (so audited); never touched again: a campaign the demo made
before stays as people left it, deleted included (found by its audit event like the first campaign).
"""

import copy
import hashlib
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pinggu.accounts.audit import record
from pinggu.campaigns import services as campaign_services
from pinggu.campaigns.models import Campaign, CampaignState
from pinggu.evidence import services as evidence_services
from pinggu.evidence.models import Evidence
from pinggu.frameworks import services as framework_services
from pinggu.frameworks.models import Framework
from pinggu.reviews import scoring
from pinggu.reviews.models import Deduction, Objection, Rectification, Results, ReturnRound, Review, Stage
from pinggu.reviews.objections import answer_objection, raise_objection
from pinggu.reviews.rectification import lost_points, record_rectification, remind_rectification
from pinggu.reviews.returns import return_points
from pinggu.reviews.scoring import DeductionIn
from pinggu.reviews.services import publish_results

FINISHED_TITLE = "2019年全市政务公开绩效评估（计分）"
SCORED = {"county": "yulin-2019-county-scored", "department": "yulin-2019-department-scored"}
RULE_EACH = "每发现一处未公开或不规范扣1分"
VETOED_UNIT = "佳县"  # one unit fails the 单项否决 point, so the ranking shows a vetoed unit last
PARTIAL_REASONS = ["部分栏目信息更新不及时", "公开内容不完整，缺少相关附件", "解读材料与政策文件未同步发布", "个别链接无法打开"]
PUBLISHED_DAYS_AGO = 2  # within the default 5-day objection window, so the pending objections can still be answered
FAIL_REASONS = ["未提供印证材料", "未建立相关制度", "网站未设置该栏目"]


def _points_for(n):
    """Whole points per checkpoint adding up to 100: 3 each, the last ones 2 (36 points: 28 × 3 + 8 × 2)."""
    threes = 100 - 2 * n
    if not 0 <= threes <= n:
        return [Decimal(100) / n] * n
    return [Decimal(3)] * threes + [Decimal(2)] * (n - threes)


def scored_copy(data, code):
    """The bundled checklist with points, two deduction rules per point and its last point a 单项否决 item."""
    data = copy.deepcopy(data)
    points = []

    def collect(nodes):
        for node in nodes:
            points.extend(node.get("checkpoints") or [])
            collect(node.get("children") or [])

    collect(data["indicators"])
    for point, value in zip(points, _points_for(len(points))):
        shown = int(value) if value == value.to_integral_value() else float(value)
        point["points"] = shown
        point["deduction_rules"] = [{"text": RULE_EACH, "points": 1}, {"text": f"未提供印证材料扣{value:g}分", "points": shown}]
    points[-1]["veto"] = True
    data.update(code=code, name=f"{data['name']}（计分）", year=2019, scoring_mode="points", total_points=100,
                grade_bands=[{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 60},
                             {"name": "不合格", "min": 0}],
                description="演示用计分清单：由2020年报送清单复制，按其他城市常见做法配置分值和扣分规则。")
    return data


def _draw(*parts):
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16)


def judgement(unit_name, point, *, last):
    """A reproducible judgement of one point: most pass, some lose points per rule, a few fail or do not apply."""
    maximum = Decimal(str(point["points"]))
    if last:
        if unit_name == VETOED_UNIT:
            return {"verdict": "fail", "reason": "发生泄密或违规公开事件，单项否决"}
        return {"verdict": "pass"}
    quality = 55 + _draw(unit_name) % 40  # how well this unit does, 55–94 %
    roll = _draw(unit_name, point["code"]) % 100
    if roll < quality:
        return {"verdict": "pass"}
    if roll % 17 == 0:
        return {"verdict": "not_applicable", "reason": "本单位不涉及该项工作"}
    if roll % 5 == 0:
        return {"verdict": "fail", "reason": FAIL_REASONS[roll % len(FAIL_REASONS)]}
    count = 1 + roll % max(1, int(maximum) - 1)
    return {"verdict": "partial", "deductions": [{"rule": 0, "count": count}],
            "reason": PARTIAL_REASONS[roll % len(PARTIAL_REASONS)]}


def _reviews(campaign, evaluator):
    """Every point of every unit judged by `scoring.judge` (the rules of record_review) and written in bulk with
    its audit event: through record_review one at a time the 1,152 reviews took 20 s, run by `make run` and
    by every demo test. Dated before the publication."""
    now = timezone.now() - timedelta(days=PUBLISHED_DAYS_AGO + 3)
    for enrollment in campaign.enrollments.select_related("unit", "framework"):
        checkpoints = list(enrollment.framework.checkpoints.order_by("position"))
        judged = []
        for n, checkpoint in enumerate(checkpoints):
            kwargs = judgement(enrollment.unit.name, {"code": checkpoint.code, "points": checkpoint.points},
                               last=n == len(checkpoints) - 1)
            deductions = [DeductionIn(rule=d["rule"], count=d["count"]) for d in kwargs.get("deductions", [])]
            judged.append((checkpoint, kwargs.get("reason", ""), scoring.judge(
                {"points": checkpoint.points, "deduction_rules": checkpoint.deduction_rules}, enrollment.framework.scoring_mode,
                verdict=kwargs["verdict"], deductions=deductions, reason=kwargs.get("reason", ""))))
        reviews = Review.objects.bulk_create([
            Review(enrollment=enrollment, checkpoint=checkpoint, stage=Stage.FIRST, verdict=j.verdict, score=j.score,
                   reason=reason, evaluator=evaluator, created_at=now, updated_at=now)
            for checkpoint, reason, j in judged])
        Deduction.objects.bulk_create([
            Deduction(review=review, position=i, rule=d.rule, text=d.text, count=d.count, points=d.points)
            for review, (_c, _r, j) in zip(reviews, judged) for i, d in enumerate(j.deductions)])
        for review, (checkpoint, reason, j) in zip(reviews, judged):
            record("review", actor=evaluator, obj=review, campaign=campaign, unit=enrollment.unit, checkpoint=checkpoint.code,
                   stage=Stage.FIRST, verdict=j.verdict, score=None if j.score is None else str(scoring.rounded(j.score)),
                   reason=reason, deductions=len(j.deductions), via="demo")


# (unit, what it does after publication): objections in each state, rectifications in each state.
AFTERMATH = {
    "榆阳区": {"objection": ("pending", "该项已在政府门户网站专栏公开，附链接请核实。"),
             "rectify": [("done", "已在门户网站补充公开相关文件，并建立每月自查制度。"),
                         ("measures", "已制定整改方案，拟于下月底前完成栏目改版。")]},
    # 89.69 and 良好 before; the point restored lifts it past 定边县 (90) into 优秀: the ranking moves.
    "靖边县": {"objection": ("upheld", "相关解读材料已与政策文件同步发布，评估时链接临时失效。"),
             "reply": "经复核，材料属实，采纳异议，恢复该项满分。",
             "rectify": [("measures", "正在梳理未公开信息目录，逐项补充。")]},
    "市教育局": {"objection": ("rejected", "我局已按要求公开，请重新评估。"),
               "reply": "经核实，评估时该栏目确无相关内容，所附材料形成于评估之后，维持原评分。",
               "rectify": [("done", "已补充公开并更新栏目内容。"), ("done", "已建立信息发布审核台账。")]},
    "府谷县": {"objection": ("pending", "部分信息已通过政务新媒体公开，请一并核实。")},
}


def _aftermath(campaign, *, organizer, evaluator, submitters):
    """After publication, through the services units and evaluators use (so audited): objections pending, upheld
    (the score changes and the ranking with it) and rejected; rectifications done with material, measures only,
    none; and one reminder. Their times move back into the days since publication."""
    published = timezone.now() - timedelta(days=PUBLISHED_DAYS_AGO)
    Results.objects.filter(campaign=campaign).update(published_at=published, locked_at=published)
    campaign.refresh_from_db()
    for n, (name, plan) in enumerate(AFTERMATH.items()):
        enrollment = campaign.enrollments.select_related("unit", "framework").filter(unit__name=name).first()
        user = enrollment and submitters.get(enrollment.unit_id)
        if user is None:
            continue
        lost = lost_points([enrollment])[enrollment.pk]
        if not lost:
            continue
        state, reason = plan["objection"]
        objection = raise_objection(enrollment, lost[0], user=user, reason=reason)
        raised = published + timedelta(hours=6 + 3 * n)  # all within the days since
        Objection.objects.filter(pk=objection.pk).update(created_at=raised)
        if state != "pending":
            maximum = enrollment.framework.checkpoints.get(code=lost[0]).points
            answer_objection(objection, user=evaluator, decision=state, reply=plan["reply"],
                             score=maximum if state == "upheld" else None)
            Objection.objects.filter(pk=objection.pk).update(answered_at=raised + timedelta(hours=20))
        codes = lost_points([enrollment])[enrollment.pk]
        codes = [c for c in codes if c != lost[0]] or codes
        for i, (how, measures) in enumerate(plan.get("rectify", [])):
            if i >= len(codes):
                break
            url = f"https://www.example.org/{enrollment.unit.code}/zhenggai/{codes[i].lower()}.html" if how == "done" else ""
            row = record_rectification(enrollment, codes[i], user=user, measures=measures, done=how == "done", url=url)
            Rectification.objects.filter(pk=row.pk).update(updated_at=raised + timedelta(hours=24 + i))
    remind_rectification(campaign, user=organizer, message="请各单位对照评估失分原因，于本月底前完成整改并在系统中填写整改措施。")


# Material for the review screen (previews, a 不适用 reason, a note), and one unit returned for supplement once.
MATERIALS = {
    "榆阳区": [("C01", "file", "榆阳区政府常务会议列席制度（2019年）.pdf"), ("C02", "link", "https://www.example.org/yyq/2019/zcyj.html"),
             ("C04", "file", "重大决策执行情况跟踪台账.pdf"), ("C26", "na", "本区门户网站由市级平台统一承载。")],
    "神木市": [("C01", "file", "神木市人民政府会议公开制度（2019年）.pdf"), ("C02", "note", "已建立利益相关方沟通协商机制，见市政府办文件。")],
}
RETURNED = ("神木市", ["C03", "C05"], "C03、C05 未提供印证材料，请补充听取意见和执行情况的相关记录。")
SUPPLEMENT_NOTE = "退回后补充"


def _materials(campaign, submitters):
    from .demo import sample_pdf  # demo imports this module; by now it is loaded

    for name, plan in MATERIALS.items():
        enrollment = campaign.enrollments.filter(unit__name=name).first()
        user = enrollment and submitters.get(enrollment.unit_id)
        if user is None:
            continue
        for code, kind, value in plan:
            if kind == "file":
                pdf = sample_pdf(f"Pinggu demo 2019 material {enrollment.unit.code} {code}")
                evidence_services.add_file(enrollment, code, SimpleUploadedFile(value, pdf), user=user)
            elif kind == "link":
                evidence_services.add_link(enrollment, code, value, user=user)
            else:
                evidence_services.set_response(enrollment, code, status="not_applicable" if kind == "na" else "done",
                                               note=value, user=user)


def _round(campaign, submitters, evaluator):
    """The 退回补充 of one unit, supplemented and resubmitted: the review screen marks the new material 新."""
    name, codes, reason = RETURNED
    enrollment = campaign.enrollments.filter(unit__name=name).first()
    user = enrollment and submitters.get(enrollment.unit_id)
    if user is None:
        return
    return_points(enrollment, codes, reason=reason, due=timezone.now() + timedelta(hours=12), user=evaluator)
    evidence_services.add_link(enrollment, codes[0], f"https://www.example.org/{enrollment.unit.code}/2019/tzzt.html",
                               user=user, note=SUPPLEMENT_NOTE)
    evidence_services.submit(enrollment, user=user, acknowledge_incomplete=True)


def _frameworks(bundled):
    for data in bundled:
        code = SCORED.get(data["unit_kind"])
        if code and not Framework.objects.filter(code=code).exists():
            framework_services.create_framework(scored_copy(data, code), source_name=f"{code}.yaml")


def create(*, bundled, units, submitters, organizer, evaluator, created_before):
    """Make the finished campaign unless the demo made it before (or someone made one of that title)."""
    if FINISHED_TITLE in created_before or Campaign.objects.filter(title=FINISHED_TITLE).exists():
        return []
    _frameworks(bundled)
    units = [u for u in units if u.deleted_at is None and submitters.get(u.pk) is not None]
    now = timezone.now()
    campaign = campaign_services.create_campaign(
        title=FINISHED_TITLE, year=2019, basis="演示数据", issuer="榆林市政府政务信息化服务中心",
        contact_name="李明（演示）", contact_phone="0912-5550100", contact_email="pinggu-demo@example.org",
        notice="上一年度的评估：各单位已报送，评估已完成、结果已发布（演示数据）。",
        opens_at=now - timedelta(days=1), deadline=now + timedelta(days=1), frameworks=SCORED,
    )
    campaign_services.enroll(campaign, units)
    campaign_services.change_state(campaign, CampaignState.OPEN)
    campaign_services.assign_evaluator(campaign, evaluator, user=organizer)
    _materials(campaign, submitters)
    for unit in units:
        evidence_services.submit(campaign.enrollments.get(unit=unit), user=submitters[unit.pk], acknowledge_incomplete=True)
    _round(campaign, submitters, evaluator)
    # A finished year: its dates lie in the past, every unit having submitted the day before the deadline
    # (submitting needed an open window, so the dates move back once the submissions are in).
    past = now - timedelta(days=30)
    Campaign.objects.filter(pk=campaign.pk).update(opens_at=past - timedelta(days=14), deadline=past)
    campaign.enrollments.update(submitted_at=past - timedelta(days=1), last_activity_at=past - timedelta(days=1))
    Evidence.objects.filter(response__enrollment__campaign=campaign).update(uploaded_at=past - timedelta(days=6))
    Evidence.objects.filter(response__enrollment__campaign=campaign, note=SUPPLEMENT_NOTE).update(
        uploaded_at=past - timedelta(days=2))
    ReturnRound.objects.filter(enrollment__campaign=campaign).update(
        created_at=past - timedelta(days=4), due=past - timedelta(days=2), resubmitted_at=past - timedelta(days=1))
    campaign.refresh_from_db()
    campaign_services.change_state(campaign, CampaignState.CLOSED)
    campaign_services.change_state(campaign, CampaignState.REVIEWING)
    _reviews(campaign, evaluator)
    publish_results(campaign, user=organizer, publish_ranking=True)
    _aftermath(campaign, organizer=organizer, evaluator=evaluator, submitters=submitters)
    return [f"已创建已完成的评估任务：{FINISHED_TITLE}（{len(units)} 个单位已评分，结果和排名已发布，"
            "有单位提出异议、填写整改情况）"]
