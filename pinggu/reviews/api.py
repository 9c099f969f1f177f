"""/api/v1 routes of the review (issue 10 §7): assign evaluators, the queue, one point's review, scores, results."""

from datetime import datetime
from decimal import Decimal
from typing import Literal, Optional

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.accounts import permissions
from pinggu.accounts.models import Role, User
from pinggu.api_types import CheckpointCode, Id, UnitCode, responses
from pinggu.campaigns import services as campaign_services
from pinggu.campaigns.models import Campaign, EvaluatorRole, Unit
from pinggu.campaigns.services import iso_local
from pinggu.errors import DomainError

from . import returns, selectors, services
from .api_shared import DeductionIn, require, visible_campaign, visible_enrollment
from .models import Stage
from .scoring import point_max

router = Router(tags=["reviews"])


class EvaluatorIn(Schema):
    username: str = Field(max_length=150)
    unit_codes: Optional[list[UnitCode]] = Field(None, max_length=5000, description="不填：全部单位")
    role: Literal["first", "second"] = "first"


@router.post("/{int:campaign_id}/evaluators", response=responses({201: dict}, 404), summary="指派评估人员（初评或复核）")
def assign_evaluators(request, campaign_id: Id, body: EvaluatorIn):
    require(permissions.can_manage_campaigns(request.auth))
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    evaluator = User.objects.filter(username=body.username, role=Role.EVALUATOR, is_active=True).first()
    if evaluator is None:
        raise DomainError(_("“%(u)s”不是可用的评估人员账户。") % {"u": body.username}, code="not_evaluator", status=400)
    targets: list[Unit | None]
    if body.unit_codes is None:
        targets = [None]
    else:
        targets = list(Unit.objects.filter(code__in=body.unit_codes, enrollments__campaign=campaign))
        unknown = sorted(set(body.unit_codes) - {u.code for u in targets if u is not None})
        if unknown or not targets:
            raise DomainError(_("这些单位没有参加本任务：%(c)s。") % {"c": "、".join(unknown)}, code="unknown_units", status=400, unit_codes=unknown)
    for unit in targets:
        campaign_services.assign_evaluator(campaign, evaluator, unit, role=EvaluatorRole(body.role), user=request.auth,
                                           request=request)
    return Status(201, {"username": evaluator.username, "role": body.role,
                        "unit_codes": None if body.unit_codes is None else sorted(u.code for u in targets if u is not None)})


@router.get("/{int:campaign_id}/reviews", response=responses(None, 404), summary="评估队列：已报送、待评分的单位")
def review_queue(request, campaign_id: Id):
    campaign = visible_campaign(request, campaign_id)
    require(permissions.is_organizer(request.auth) or request.auth.role == Role.EVALUATOR)
    queue = selectors.review_queue(campaign, request.auth)
    for row in queue["units"]:
        row["submitted_at"] = iso_local(row["submitted_at"])
    return queue


class ReviewIn(Schema):
    verdict: Literal["pass", "partial", "fail", "not_applicable"]
    score: Optional[Decimal] = None
    deductions: list[DeductionIn] = Field([], max_length=100)
    reason: str = Field("", max_length=2000)
    comment: str = Field("", max_length=2000)
    stage: Literal["first", "second"] = "first"


def review_out(review, maximum):
    return {
        "verdict": review.verdict, "score": selectors.number(review.score), "max": selectors.number(maximum),
        "deductions": [{"rule": d.rule, "text": d.text, "count": d.count, "points": selectors.number(d.points)}
                       for d in review.deductions.order_by("position")],
        "reason": review.reason, "comment": review.comment, "stage": review.stage,
        "evaluator": review.evaluator.username if review.evaluator else None, "updated_at": iso_local(review.updated_at),
    }


@router.put("/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/review",
            response=responses(None, 404, 409), summary="评分：一个考核点的结论、得分、扣分和失分原因")
def put_review(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode, body: ReviewIn):
    enrollment = visible_enrollment(request, campaign_id, unit_code)
    require(permissions.can_review(request.auth, enrollment))
    review = services.record_review(
        enrollment, checkpoint_code, evaluator=request.auth, verdict=body.verdict, score=body.score,
        deductions=[d.dict() for d in body.deductions], reason=body.reason, comment=body.comment,
        stage=Stage(body.stage), request=request,
    )
    return review_out(review, point_max({"points": review.checkpoint.points}, enrollment.framework.scoring_mode))


class PublishIn(Schema):
    publish_ranking: bool = False
    force: bool = False


@router.post("/{int:campaign_id}/publish", response=responses(None, 404, 409), summary="发布评估结果（可同时公布排名）")
def publish(request, campaign_id: Id, body: PublishIn):
    require(permissions.can_publish(request.auth, None))
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    results = services.publish_results(campaign, user=request.auth, publish_ranking=body.publish_ranking, force=body.force,
                                       request=request)
    return {"state": campaign.state, "published_at": iso_local(results.published_at),
            "publish_ranking": results.ranking_published}


@router.get("/{int:campaign_id}/scores", response=responses(None, 404), summary="各单位得分、等次和排名")
def scores(request, campaign_id: Id):
    campaign = visible_campaign(request, campaign_id)
    require(permissions.can_view_progress(request.auth))
    return selectors.unit_scores(campaign, request.auth)


@router.get("/{int:campaign_id}/units/{unit_code}/results", response=responses(None, 404), summary="单位的评估结果")
def results(request, campaign_id: Id, unit_code: UnitCode):
    enrollment = visible_enrollment(request, campaign_id, unit_code)
    published = services.results_published(enrollment.campaign)
    if not permissions.can_view_results(request.auth, enrollment, published=published):
        # The unit's own results do not exist for it before publication.
        raise DomainError(_("评估结果尚未发布。"), code="not_found", status=404)
    return selectors.unit_result(enrollment, for_unit=permissions.is_submitter(request.auth))


class ReturnIn(Schema):
    checkpoints: list[CheckpointCode] = Field(..., min_length=1, max_length=500, description="退回补充的考核点编号")
    reason: str = Field(..., max_length=1000)
    due: datetime = Field(..., description="补充截止时间（带时区）")


@router.post("/{int:campaign_id}/units/{unit_code}/returns", response=responses({201: dict}, 404, 409),
             summary="退回补充：选定考核点退回单位补充材料（第N轮）")
def return_points(request, campaign_id: Id, unit_code: UnitCode, body: ReturnIn):
    enrollment = visible_enrollment(request, campaign_id, unit_code)
    require(permissions.can_review(request.auth, enrollment))
    if timezone.is_naive(body.due):
        raise DomainError(_("补充截止时间须带时区，例如 2025-05-01T17:00:00+08:00。"), code="invalid_due", status=400)
    round_ = returns.return_points(enrollment, body.checkpoints, reason=body.reason, due=body.due, user=request.auth,
                                   request=request)
    return Status(201, {"round": round_.number,
                        "checkpoints": list(round_.checkpoints.order_by("position").values_list("code", flat=True)),
                        "due": iso_local(round_.due)})
