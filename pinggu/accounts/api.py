from datetime import datetime
from typing import Optional

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.api_types import Id, Limit, Offset, OptionalWord, responses
from pinggu.errors import DomainError
from pinggu.textlimits import max_length
from pinggu.units.models import Unit

from . import audit_log, permissions, services
from .audit import record
from .decorators import api_require
from .models import ApiToken, User
from .passwords import MAX_LENGTH as PASSWORD_MAX

router = Router(tags=["auth"])


# No control characters (PostgreSQL cannot even store a NUL): refused before authenticate() records the attempt.
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


class Credentials(Schema):
    username: str = Field(max_length=150, pattern=PRINTABLE)
    password: str = Field(max_length=PASSWORD_MAX, pattern=PRINTABLE)


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post("/token", auth=None, response=responses({200: TokenOut}, 429), summary="取得 API 令牌")
def token(request, creds: Credentials):
    user = authenticate(request, username=creds.username, password=creds.password)
    if user is None:
        # Same answer whether or not the user exists. A locked-out user gets
        # the lockout answer instead, swapped in by the axes middleware.
        raise DomainError(_("用户名或密码错误。"), code="invalid_credentials", status=401)
    if user.must_change_password:
        raise DomainError(_("首次登录或密码已重置，请先修改密码。"), code="password_change_required", status=403)
    raw, tok = ApiToken.issue(user)
    record("api_token", actor=user, request=request)
    return {"token": raw, "expires_at": tok.expires_at}


@router.delete("/token", response=responses(), summary="撤销当前使用的 API 令牌（退出）")
def revoke_token(request):
    token = getattr(request, "api_token", None)
    if token is None:
        raise DomainError(_("本次请求不是用 Bearer 令牌认证的，没有可撤销的令牌。"), code="not_a_token", status=400)
    services.revoke_tokens(request.auth, token_ids=[token.pk], request=request)
    return {"revoked": 1}


class PasswordIn(Schema):
    username: str = Field(max_length=150, pattern=PRINTABLE)
    old_password: str = Field(max_length=PASSWORD_MAX, pattern=PRINTABLE)
    new_password: str = Field(max_length=PASSWORD_MAX, pattern=PRINTABLE)


@router.post("/password", auth=None, response=responses(None, 429), summary="修改密码（首次登录须先修改）")
def change_password(request, body: PasswordIn):
    user = authenticate(request, username=body.username, password=body.old_password)
    if user is None:
        raise DomainError(_("用户名或密码错误。"), code="invalid_credentials", status=401)
    services.change_password(user, body.new_password, request=request)
    return {"ok": True}


users_router = Router(tags=["users"])


class UserIn(Schema):
    username: str = Field(max_length=150)
    password: Optional[str] = Field(None, max_length=PASSWORD_MAX)
    role: str = Field(max_length=16)
    unit_code: Optional[str] = None
    must_change_password: bool = True
    display_name: str = Field("", max_length=max_length(User, "display_name"))


@users_router.post("", response=responses({201: dict}, 409), summary="新建账户（组织单位）；不填密码则生成一次性密码并只返回这一次")
@api_require(permissions.can_manage_users)
def create_user(request, body: UserIn):
    unit = None
    if body.unit_code:
        unit = Unit.objects.alive().filter(code=body.unit_code).first()
        if unit is None:
            raise DomainError(_("单位“%(c)s”不存在。") % {"c": body.unit_code}, code="unknown_unit", status=400)
    user, password = services.create_user(
        username=body.username, role=body.role, password=body.password, unit=unit,
        must_change_password=body.must_change_password, display_name=body.display_name, by=request.auth, request=request,
    )
    out = {"username": user.username, "role": user.role, "unit_code": unit.code if unit else None,
           "must_change_password": user.must_change_password}
    if body.password is None:
        out["password"] = password
    return Status(201, out)


audit_router = Router(tags=["audit"])


@audit_router.get("", response=responses(), summary="审计日志（组织单位）")
@api_require(permissions.can_read_audit)
def audit(request, campaign: Optional[Id] = None, unit: OptionalWord = None, action: OptionalWord = None,
          since: Optional[datetime] = None, limit: Limit = 500, offset: Offset = 0):
    events = audit_log.filtered(campaign=campaign, unit=unit, action=action, since=since)
    return {
        "count": events.count(),
        "events": [audit_log.as_dict(e) for e in events[offset:offset + limit]],
    }
