"""Writing reviews: every judgement goes through `record_review`, which checks it against the rules of §3."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.models import User
from pinggu.campaigns.models import Campaign, CampaignState, Enrollment, EnrollmentState
from pinggu.errors import DomainError
from pinggu.frameworks.models import Checkpoint

from . import scoring
from .models import Deduction, ReasonPhrase, Results, Review, Stage


class ReviewError(DomainError):
    pass


def results_locked(campaign: Campaign) -> bool:
    """Scores no longer change once the organizer locked or published them."""
    if campaign.state == CampaignState.PUBLISHED:
        return True
    return Results.objects.filter(campaign=campaign, locked_at__isnull=False).exists()


def results_published(campaign: Campaign) -> bool:
    """Units see their results while the campaign is in the published state."""
    return campaign.state == CampaignState.PUBLISHED


@transaction.atomic
def lock_results(campaign: Campaign, *, user: User, request: HttpRequest | None = None) -> Results:
    """Freeze every score of the campaign (before publication; `unlock_results` undoes it)."""
    if not permissions.can_publish(user, campaign):
        raise ReviewError(_("没有权限锁定或发布评估结果。"), code="forbidden", status=403)
    results, _created = Results.objects.select_for_update().get_or_create(campaign=campaign)
    if results.locked_at is None:
        results.locked_at, results.locked_by = timezone.now(), user
        results.save(update_fields=["locked_at", "locked_by"])
        record("results_lock", actor=user, request=request, obj=results, campaign=campaign)
    return results


@transaction.atomic
def unlock_results(campaign: Campaign, *, user: User, request: HttpRequest | None = None) -> Results:
    if not permissions.can_publish(user, campaign):
        raise ReviewError(_("没有权限锁定或发布评估结果。"), code="forbidden", status=403)
    results, _created = Results.objects.select_for_update().get_or_create(campaign=campaign)
    if results.locked_at is not None:
        results.locked_at = results.locked_by = None
        results.save(update_fields=["locked_at", "locked_by"])
        record("results_unlock", actor=user, request=request, obj=results, campaign=campaign)
    return results


def unreviewed_units(campaign: Campaign) -> list[str]:
    """The codes of the units that have points without a review (no total yet)."""
    from .selectors import unit_scores

    return [row["unit_code"] for row in unit_scores(campaign)["units"] if row["total"] is None]


@transaction.atomic
def publish_results(campaign: Campaign, *, user: User, publish_ranking: bool = False, force: bool = False,
                    request: HttpRequest | None = None) -> Results:
    """Publish the results (the campaign moves to `published` through its one transition function): each unit
    then sees its own. Refused with 409 `unreviewed_units` (listing them) while units have unreviewed points,
    unless forced."""
    from pinggu.campaigns.services import change_state

    if not permissions.can_publish(user, campaign):
        raise ReviewError(_("没有权限锁定或发布评估结果。"), code="forbidden", status=403)
    missing = unreviewed_units(campaign)
    if missing and not force:
        raise ReviewError(_("还有 %(n)d 个单位没有评完：%(u)s。") % {"n": len(missing), "u": "、".join(missing)},
                          code="unreviewed_units", status=409, unit_codes=missing)
    change_state(campaign, CampaignState.PUBLISHED, user=user, request=request)
    results, _created = Results.objects.select_for_update().get_or_create(campaign=campaign)
    results.published_at, results.published_by = timezone.now(), user
    results.ranking_published = publish_ranking
    if results.locked_at is None:
        results.locked_at, results.locked_by = results.published_at, user
    results.save()
    record("results_publish", actor=user, request=request, obj=results, campaign=campaign,
           ranking=publish_ranking, forced=bool(missing), units=missing)
    return results


def _deductions_in(deductions: Iterable[Mapping[str, Any] | scoring.DeductionIn]) -> list[scoring.DeductionIn]:
    out = []
    for d in deductions:
        if isinstance(d, scoring.DeductionIn):
            out.append(d)
            continue
        count = d.get("count")
        out.append(scoring.DeductionIn(rule=d.get("rule"), text=d.get("text") or "", count=1 if count is None else count,
                                       points=d.get("points")))
    return out


@transaction.atomic
def record_review(enrollment: Enrollment, checkpoint_code: str, *, evaluator: User, verdict: str,
                  score: Decimal | int | str | None = None, deductions: Iterable[Any] = (), reason: str = "",
                  comment: str = "", stage: str = Stage.FIRST, request: HttpRequest | None = None) -> Review:
    """Save one evaluator's judgement of one point (created or changed), audited.

    Refusals: 403 `forbidden` (not the organizer nor an evaluator assigned for this stage), 404 `not_found`,
    409 `not_submitted`, 409 `results_locked`, 409 `first_review_missing` (a 复核 before the first review),
    and the 400s of `scoring.judge`.
    """
    if stage not in Stage.values:
        raise ReviewError(_("评估阶段无效。"), code="invalid_stage")
    if not permissions.can_review(evaluator, enrollment, stage=stage):
        raise ReviewError(_("没有权限评估该单位。"), code="forbidden", status=403)
    # The unit's row queues every review of it behind a submit or return that lands meanwhile.
    locked = Enrollment.objects.select_for_update(of=("self",)).select_related("campaign", "framework").get(pk=enrollment.pk)
    if locked.state != EnrollmentState.SUBMITTED:
        raise ReviewError(_("该单位尚未报送，还不能评分。"), code="not_submitted", status=409)
    if results_locked(locked.campaign):
        raise ReviewError(_("评估结果已锁定或已发布，不能再修改评分。"), code="results_locked", status=409)
    checkpoint = Checkpoint.objects.filter(framework_id=locked.framework_id, code=checkpoint_code).first()
    if checkpoint is None:
        raise ReviewError(_("考核点“%(c)s”不在该单位的清单中。") % {"c": checkpoint_code}, code="not_found", status=404)
    point = {"points": checkpoint.points, "deduction_rules": checkpoint.deduction_rules}
    judged = scoring.judge(point, locked.framework.scoring_mode, verdict=verdict, score=score,
                           deductions=_deductions_in(deductions), reason=reason)
    if stage == Stage.SECOND:
        first = Review.objects.filter(enrollment=locked, checkpoint=checkpoint, stage=Stage.FIRST).first()
        if first is None:
            raise ReviewError(_("该考核点还没有初评，不能复核。"), code="first_review_missing", status=409)
        if (first.verdict, first.score) != (judged.verdict, judged.score) and not reason.strip():
            raise ReviewError(_("复核改变初评结论或得分时须写明理由。"), code="reason_required")
    now = timezone.now()
    review = Review.objects.filter(enrollment=locked, checkpoint=checkpoint, stage=stage).select_for_update().first()
    previous = None if review is None else review.score
    if review is None:
        review = Review(enrollment=locked, checkpoint=checkpoint, stage=stage, created_at=now)
    review.verdict, review.score = judged.verdict, judged.score
    review.reason, review.comment = reason.strip(), comment.strip()
    review.evaluator = evaluator if evaluator is not None and evaluator.pk else None
    review.updated_at = now
    created = review.pk is None
    review.save()
    review.deductions.all().delete()
    Deduction.objects.bulk_create(
        Deduction(review=review, position=i, rule=d.rule, text=d.text[:500], count=d.count, points=d.points)
        for i, d in enumerate(judged.deductions)
    )
    record("review" if created else "review_change", actor=evaluator, request=request, obj=review,
           campaign=locked.campaign, unit=locked.unit, checkpoint=checkpoint.code, stage=stage, verdict=judged.verdict,
           score=None if judged.score is None else str(scoring.rounded(judged.score)),
           **({} if created else {"previous_score": None if previous is None else str(scoring.rounded(previous))}),
           reason=review.reason, deductions=len(judged.deductions))
    return review


def save_phrase(user: User, text: str) -> ReasonPhrase:
    """Keep a 失分原因 for reuse (saving the same words twice keeps one)."""
    text = (text or "").strip()
    if not text:
        raise ReviewError(_("常用语不能为空。"), code="phrase_empty")
    phrase, _created = ReasonPhrase.objects.get_or_create(user=user, text=text[:500])
    return phrase
