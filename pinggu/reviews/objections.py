"""异议 (issue 10 §5): a unit objects to a point's score within the campaign's window after publication; an
evaluator of the unit (or the organizer) upholds it, changing the score under the lock, or rejects it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.models import User
from pinggu.campaigns.models import Campaign, Enrollment
from pinggu.evidence.services import clean_url
from pinggu.frameworks.models import Checkpoint

from . import scoring
from .models import Deduction, Objection, ObjectionState, Results, Review, Stage, Verdict
from .services import ReviewError, _deductions_in, results_published


def window_closes(campaign: Campaign) -> datetime | None:
    """When objections close: `objection_days` after publication (None before publication)."""
    results = Results.objects.filter(campaign=campaign).first()
    if not results_published(campaign) or results is None or results.published_at is None:
        return None
    return results.published_at + timedelta(days=campaign.objection_days)


def window_open(campaign: Campaign) -> bool:
    closes = window_closes(campaign)
    return closes is not None and timezone.now() < closes


def counting_review(enrollment: Enrollment, checkpoint: Checkpoint) -> Review | None:
    """The review that counts: the 复核 where there is one, else the first."""
    return Review.objects.filter(enrollment=enrollment, checkpoint=checkpoint).order_by("-stage").first()


def _checkpoint(enrollment: Enrollment, code: str) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(framework_id=enrollment.framework_id, code=code).first()
    if checkpoint is None:
        raise ReviewError(_("考核点“%(c)s”不在该单位的清单中。") % {"c": code}, code="not_found", status=404)
    return checkpoint


@transaction.atomic
def raise_objection(enrollment: Enrollment, checkpoint_code: str, *, user: User, reason: str, url: str = "",
                    request: HttpRequest | None = None) -> Objection:
    """The unit's objection to one point's score. Refusals: 403 (not the unit), 409 `not_published`,
    410 `objection_window_closed`, 400 `reason_required`, 409 `objection_pending` (one open objection per point)."""
    if not (permissions.is_submitter(user) and user.unit_id == enrollment.unit_id):
        raise ReviewError(_("只有本单位可以对评估结果提出异议。"), code="forbidden", status=403)
    campaign = enrollment.campaign
    closes = window_closes(campaign)
    if closes is None:
        raise ReviewError(_("评估结果尚未发布。"), code="not_published", status=409)
    if timezone.now() >= closes:
        raise ReviewError(_("异议期已过（截至 %(t)s）。") % {"t": timezone.localtime(closes).strftime("%Y-%m-%d %H:%M")},
                          code="objection_window_closed", status=410)
    if not (reason or "").strip():
        raise ReviewError(_("请写明异议理由。"), code="reason_required")
    checkpoint = _checkpoint(enrollment, checkpoint_code)
    if counting_review(enrollment, checkpoint) is None:
        raise ReviewError(_("该考核点没有评分，不能提出异议。"), code="not_reviewed", status=409)
    if Objection.objects.filter(enrollment=enrollment, checkpoint=checkpoint, state=ObjectionState.PENDING).exists():
        raise ReviewError(_("该考核点已有待答复的异议。"), code="objection_pending", status=409)
    objection = Objection.objects.create(enrollment=enrollment, checkpoint=checkpoint, reason=reason.strip()[:2000],
                                         url=clean_url(url, max_length=1000) if (url or "").strip() else "",
                                         created_by=user)
    record("objection", actor=user, request=request, obj=objection, campaign=campaign, unit=enrollment.unit,
           checkpoint=checkpoint.code, reason=objection.reason)
    return objection


def can_answer(user: User, objection: Objection) -> bool:
    """The organizer and the evaluators who review the unit."""
    return bool(permissions.can_review(user, objection.enrollment))


@transaction.atomic
def answer_objection(objection: Objection, *, user: User, decision: str, reply: str,
                     score: Decimal | int | str | None = None, deductions: Iterable[Any] = (),
                     request: HttpRequest | None = None) -> Objection:
    """Uphold (the counting review's score changes, under the lock: only this path may) or reject, with a reply.
    Ranks are computed from the reviews, so an upheld objection re-ranks at once."""
    if not can_answer(user, objection):
        raise ReviewError(_("没有权限答复该异议。"), code="forbidden", status=403)
    objection = Objection.objects.select_for_update().select_related("enrollment__campaign", "enrollment__unit",
                                                                      "enrollment__framework", "checkpoint").get(pk=objection.pk)
    if objection.state != ObjectionState.PENDING:
        raise ReviewError(_("该异议已经答复过了。"), code="objection_answered", status=409)
    if decision not in (ObjectionState.UPHELD, ObjectionState.REJECTED):
        raise ReviewError(_("答复结论无效，可选：采纳、不采纳。"), code="invalid_decision")
    reply = (reply or "").strip()
    if not reply:
        raise ReviewError(_("请填写答复。"), code="reply_required")
    enrollment, checkpoint = objection.enrollment, objection.checkpoint
    review = counting_review(enrollment, checkpoint)
    objection.previous_score = None if review is None else review.score
    previous_reason: str | None = None
    if decision == ObjectionState.UPHELD:
        deductions = list(deductions)
        if review is None or ((score is None or score == "") and not deductions):
            raise ReviewError(_("采纳异议须给出新的得分或扣分。"), code="score_required")
        point = {"points": checkpoint.points, "deduction_rules": checkpoint.deduction_rules}
        mode = enrollment.framework.scoring_mode
        maximum = scoring.point_max(point, mode)
        judged = scoring.judge(point, mode, verdict=scoring.PARTIAL, score=score,
                               deductions=_deductions_in(deductions), reason=review.reason or reply)
        previous_reason = review.reason
        if judged.score == maximum:
            judged = scoring.Judgement(Verdict.PASS, judged.score, maximum, judged.deductions)
            # Nothing is lost any more: a 失分原因 would tell the unit (and its report) of a loss it no longer
            # has. The old words stay in the audit event.
            review.reason = ""
        review.verdict, review.score, review.updated_at = judged.verdict, judged.score, timezone.now()
        if not review.reason and judged.score is not None and judged.score < maximum:
            review.reason = reply[:2000]
        review.save(update_fields=["verdict", "score", "reason", "updated_at"])
        review.deductions.all().delete()
        Deduction.objects.bulk_create(
            Deduction(review=review, position=i, rule=d.rule, text=d.text[:500], count=d.count, points=d.points)
            for i, d in enumerate(judged.deductions))
        objection.new_score = judged.score
    objection.state, objection.reply = decision, reply[:2000]
    objection.answered_at, objection.answered_by = timezone.now(), user
    objection.save()
    rounded = scoring.rounded
    action = "objection_upheld" if decision == ObjectionState.UPHELD else "objection_rejected"
    record(action, actor=user, request=request, obj=objection, campaign=enrollment.campaign,
           unit=enrollment.unit, checkpoint=checkpoint.code, reply=objection.reply,
           previous_score=None if objection.previous_score is None else str(rounded(objection.previous_score)),
           score=None if objection.new_score is None else str(rounded(objection.new_score)),
           stage=Stage.SECOND if review is not None and review.stage == Stage.SECOND else Stage.FIRST,
           **({} if review is None or previous_reason in (None, review.reason) else {"previous_reason": previous_reason}))
    return objection


def objection_out(objection: Objection) -> dict[str, Any]:
    from pinggu.campaigns.services import iso_local

    from .selectors import number

    return {"id": objection.pk, "unit_code": objection.enrollment.unit.code, "checkpoint_code": objection.checkpoint.code,
            "state": objection.state, "reason": objection.reason, "url": objection.url, "reply": objection.reply,
            "previous_score": number(objection.previous_score), "score": number(objection.new_score),
            "created_at": iso_local(objection.created_at), "answered_at": iso_local(objection.answered_at)}
