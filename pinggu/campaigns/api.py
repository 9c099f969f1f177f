from datetime import datetime
from typing import Optional

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.accounts import permissions
from pinggu.accounts.decorators import api_require
from pinggu.api_types import Id, UnitCode, responses
from pinggu.errors import DomainError
from pinggu.textlimits import REASON, max_length

from . import copying, lookups, services, visibility
from .models import MAX_SORT_KEY, Campaign, Enrollment, Unit
from .serializers import enrollment_out

router = Router(tags=["campaigns"])
units_router = Router(tags=["units"])



# --- Units --------------------------------------------------------------------------

class UnitIn(Schema):
    name: str = Field(max_length=max_length(Unit, "name"))
    kind: str = Field(max_length=40)
    code: Optional[str] = Field(None, max_length=max_length(Unit, "code"))
    contact_name: Optional[str] = Field("", max_length=max_length(Unit, "contact_name"))
    contact_phone: Optional[str] = Field("", max_length=max_length(Unit, "contact_phone"))
    contact_email: Optional[str] = Field("", max_length=max_length(Unit, "contact_email"))
    sort_key: Optional[int] = Field(None, ge=0, le=MAX_SORT_KEY, description="同类单位中的排序号（如通知主送顺序）；空则按名称拼音")


def unit_out(unit):
    return {"name": unit.name, "kind": unit.kind.code, "code": unit.code, "sort_key": unit.sort_key,
            "contact_name": unit.contact_name, "contact_phone": unit.contact_phone, "contact_email": unit.contact_email}


@units_router.get("", response=responses(), summary="单位列表")
@api_require(permissions.can_view_units)
def list_units(request):
    return [unit_out(u) for u in Unit.objects.alive().select_related("kind").ordered()]


@units_router.post("", response=responses({201: dict}, 409), summary="新建单位")
@api_require(permissions.can_manage_units)
def create_unit(request, body: UnitIn):
    unit = services.create_unit(**body.dict(), user=request.auth, request=request)
    return Status(201, unit_out(unit))


# --- Campaigns ------------------------------------------------------------------------

class CampaignIn(Schema):
    title: str = Field(max_length=max_length(Campaign, "title"))
    year: int
    basis: str = Field("", max_length=max_length(Campaign, "basis"))
    issuer: str = Field("", max_length=max_length(Campaign, "issuer"))
    contact_name: str = Field("", max_length=max_length(Campaign, "contact_name"))
    contact_phone: str = Field("", max_length=max_length(Campaign, "contact_phone"))
    contact_email: str = Field("", max_length=max_length(Campaign, "contact_email"))
    notice: str = Field("", max_length=max_length(Campaign, "notice"))
    opens_at: datetime
    deadline: datetime
    frameworks: dict[str, str] = {}
    max_file_bytes: Optional[int] = None
    unit_quota_bytes: Optional[int] = None


class CampaignPatch(Schema):
    title: Optional[str] = Field(None, max_length=max_length(Campaign, "title"))
    year: Optional[int] = None
    basis: Optional[str] = Field(None, max_length=max_length(Campaign, "basis"))
    issuer: Optional[str] = Field(None, max_length=max_length(Campaign, "issuer"))
    contact_name: Optional[str] = Field(None, max_length=max_length(Campaign, "contact_name"))
    contact_phone: Optional[str] = Field(None, max_length=max_length(Campaign, "contact_phone"))
    contact_email: Optional[str] = Field(None, max_length=max_length(Campaign, "contact_email"))
    notice: Optional[str] = Field(None, max_length=max_length(Campaign, "notice"))
    opens_at: Optional[datetime] = None
    deadline: Optional[datetime] = None
    frameworks: Optional[dict[str, str]] = None
    state: Optional[str] = None
    max_file_bytes: Optional[int] = None
    unit_quota_bytes: Optional[int] = None


def _aware(value, field):
    if value is not None and value.tzinfo is None:
        raise DomainError(_("%(f)s 必须带时区，如 2020-12-11T17:00:00+08:00。") % {"f": field}, code="invalid_request", status=400)
    return value


def campaign_out(campaign):
    return {
        "id": campaign.pk, "title": campaign.title, "year": campaign.year, "basis": campaign.basis,
        "issuer": campaign.issuer, "contact_name": campaign.contact_name, "contact_phone": campaign.contact_phone,
        "contact_email": campaign.contact_email, "notice": campaign.notice,
        "opens_at": services.iso_local(campaign.opens_at), "deadline": services.iso_local(campaign.deadline), "state": campaign.state,
        "frameworks": {link.unit_kind.code: link.framework.code for link in campaign.framework_links.all()},
        "max_file_bytes": campaign.max_file_bytes, "unit_quota_bytes": campaign.unit_quota_bytes,
    }


def visible_campaign(request, campaign_id):
    campaign = lookups.find_campaign(request.auth, campaign_id)
    if campaign is None:
        raise DomainError(_("评估任务不存在。"), code="not_found", status=404)
    return campaign


@router.get("", response=responses(), summary="评估任务列表")
def list_campaigns(request):
    campaigns = visibility.campaigns_visible_to(request.auth).prefetch_related(
        "framework_links__unit_kind", "framework_links__framework"
    )
    return [campaign_out(c) for c in campaigns]


@router.post("", response=responses({201: dict}, 409), summary="新建评估任务")
@api_require(permissions.can_manage_campaigns)
def create_campaign(request, body: CampaignIn):
    data = body.dict()
    _aware(data["opens_at"], "opens_at")
    _aware(data["deadline"], "deadline")
    campaign = services.create_campaign(**data, user=request.auth, request=request)
    return Status(201, campaign_out(campaign))


@router.get("/{int:campaign_id}", response=responses(None, 404), summary="评估任务详情")
def get_campaign(request, campaign_id: Id):
    return campaign_out(visible_campaign(request, campaign_id))


@router.patch("/{int:campaign_id}", response=responses(None, 404, 409), summary="修改评估任务（含状态 state）")
@api_require(permissions.can_manage_campaigns)
def patch_campaign(request, campaign_id: Id, body: CampaignPatch):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    data = body.dict(exclude_unset=True)
    _aware(data.get("opens_at"), "opens_at")
    _aware(data.get("deadline"), "deadline")
    services.update_campaign(campaign, **data, user=request.auth, request=request)
    campaign.refresh_from_db()
    return campaign_out(campaign)


class EnrollIn(Schema):
    unit_codes: list[str]


@router.post("/{int:campaign_id}/enrollments", response=responses({201: dict}, 404, 409), summary="报名参评单位")
@api_require(permissions.can_manage_campaigns)
def enroll(request, campaign_id: Id, body: EnrollIn):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    new = services.enroll_codes(campaign, body.unit_codes, user=request.auth, request=request)
    return Status(201, {"enrolled": [e.unit.code for e in new],
                        "total": campaign.enrollments.count()})


# --- One unit's workspace -----------------------------------------------------------------

class ReasonIn(Schema):
    reason: str = Field(max_length=REASON)


class ExtensionIn(Schema):
    deadline: datetime
    reason: str = Field(max_length=max_length(Enrollment, "extension_reason"))


@router.post("/{int:campaign_id}/units/{unit_code}/reopen", response=responses(None, 404, 409), summary="退回（重新开放）该单位的报送")
@api_require(permissions.can_manage_campaigns)
def reopen(request, campaign_id: Id, unit_code: UnitCode, body: ReasonIn):
    enrollment = lookups.enrollment_or_refuse(request.auth, campaign_id, unit_code)
    services.reopen(enrollment, body.reason, user=request.auth, request=request)
    return enrollment_out(enrollment)


@router.post("/{int:campaign_id}/units/{unit_code}/extension", response=responses(None, 404, 409), summary="为该单位延期")
@api_require(permissions.can_manage_campaigns)
def extension(request, campaign_id: Id, unit_code: UnitCode, body: ExtensionIn):
    enrollment = lookups.enrollment_or_refuse(request.auth, campaign_id, unit_code)
    services.extend(enrollment, _aware(body.deadline, "deadline"), body.reason, user=request.auth, request=request)
    return enrollment_out(enrollment)


class CopyIn(Schema):
    title: str = Field(..., max_length=max_length(Campaign, "title"))
    year: int = Field(..., ge=1990, le=2100)
    opens_at: datetime
    deadline: datetime


@router.post("/{int:campaign_id}/copy", response=responses({201: dict}, 404, 409), summary="复制评估任务到新年度（草稿）")
@api_require(permissions.can_manage_campaigns)
def copy_campaign(request, campaign_id: Id, body: CopyIn):
    source = visible_campaign(request, campaign_id)
    new = copying.copy_campaign(source, title=body.title, year=body.year, opens_at=_aware(body.opens_at, "opens_at"),
               deadline=_aware(body.deadline, "deadline"), user=request.auth, request=request)
    return Status(201, {**campaign_out(new), "copied_from": source.pk, "units": new.enrollments.count(),
                        "evaluators": new.assignments.count()})
