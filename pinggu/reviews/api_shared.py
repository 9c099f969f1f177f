"""What the review API modules share (schemas and lookups); API modules never import each other."""

from decimal import Decimal
from typing import Optional

from django.utils.translation import gettext as _
from ninja import Field, Schema

from pinggu.api_types import MAX_INT
from pinggu.campaigns import lookups
from pinggu.errors import DomainError


def require(allowed):
    if not allowed:
        raise DomainError(_("没有权限执行此操作。"), code="forbidden", status=403)


def visible_campaign(request, campaign_id):
    campaign = lookups.find_campaign(request.auth, campaign_id)
    if campaign is None:
        raise DomainError(_("评估任务不存在。"), code="not_found", status=404)
    return campaign


def visible_enrollment(request, campaign_id, unit_code):
    return lookups.enrollment_or_refuse(request.auth, campaign_id, unit_code)


class DeductionIn(Schema):
    rule: Optional[int] = Field(None, le=MAX_INT, description="考核点扣分规则的序号（从 0 开始）")
    text: Optional[str] = Field(None, max_length=500)
    count: Optional[int] = Field(1, le=MAX_INT)
    points: Optional[Decimal] = Field(None, description="自定义扣分的每次分值")
