"""/api/v1 routes of issue 10 §5: objections (异议) and rectification (整改)."""

from decimal import Decimal
from typing import Literal, Optional

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.accounts import permissions
from pinggu.api_types import CheckpointCode, Id, UnitCode, responses
from pinggu.errors import DomainError

from . import objections, rectification
from .api_shared import DeductionIn, require, visible_campaign, visible_enrollment
from .models import Objection

router = Router(tags=["reviews"])
objections_router = Router(tags=["reviews"])


class ObjectionIn(Schema):
    reason: str = Field(..., max_length=2000)
    url: str = Field("", max_length=1000, description="可选：佐证材料的链接")


@router.post("/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/objections",
             response=responses({201: dict}, 404, 409, 410), summary="对考核点得分提出异议（发布后异议期内）")
def raise_objection(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode, body: ObjectionIn):
    enrollment = visible_enrollment(request, campaign_id, unit_code)
    objection = objections.raise_objection(enrollment, checkpoint_code, user=request.auth, reason=body.reason,
                                           url=body.url, request=request)
    return Status(201, {"id": objection.pk, "state": objection.state})


class AnswerIn(Schema):
    decision: Literal["upheld", "rejected"]
    reply: str = Field(..., max_length=2000)
    score: Optional[Decimal] = None
    deductions: list[DeductionIn] = Field([], max_length=100)


@objections_router.post("/{int:objection_id}/answer", response=responses(None, 404, 409), summary="答复异议：采纳（改分）或不采纳")
def answer_objection(request, objection_id: Id, body: AnswerIn):
    objection = get_object_or_404(Objection.objects.select_related("enrollment__campaign", "enrollment__unit",
                                                                    "checkpoint"), pk=objection_id)
    if not permissions.can_view_enrollment(request.auth, objection.enrollment):
        raise DomainError(_("异议不存在。"), code="not_found", status=404)  # not theirs: as if it did not exist
    require(objections.can_answer(request.auth, objection))
    objection = objections.answer_objection(objection, user=request.auth, decision=body.decision, reply=body.reply,
                                            score=body.score, deductions=[d.dict() for d in body.deductions],
                                            request=request)
    return objections.objection_out(objection)


class RectificationIn(Schema):
    measures: str = Field("", max_length=2000)
    done: bool = False
    url: str = Field("", max_length=1000, description="可选：整改材料的链接")


@router.put("/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/rectification",
            response=responses(None, 404, 409), summary="填写一个失分考核点的整改措施和完成情况")
def put_rectification(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode, body: RectificationIn):
    enrollment = visible_enrollment(request, campaign_id, unit_code)
    row = rectification.record_rectification(enrollment, checkpoint_code, user=request.auth, measures=body.measures,
                                             done=body.done, url=body.url, request=request)
    from pinggu.campaigns.services import iso_local

    return {"checkpoint_code": checkpoint_code, "measures": row.measures, "url": row.url, "done": row.done,
            "done_at": iso_local(row.done_at), "updated_at": iso_local(row.updated_at)}


@router.get("/{int:campaign_id}/rectification", response=responses(None, 404), summary="各单位整改率")
def rectification_rates(request, campaign_id: Id):
    campaign = visible_campaign(request, campaign_id)
    require(permissions.can_view_progress(request.auth))
    return rectification.rectification_rates(campaign, request.auth)

