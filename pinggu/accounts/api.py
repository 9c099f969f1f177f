from datetime import datetime

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema

from pinggu.errors import ApiError

from .audit import record
from .models import ApiToken

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post("/token", auth=None, response={200: TokenOut}, summary="取得 API 令牌")
def token(request, creds: Credentials):
    user = authenticate(request, username=creds.username, password=creds.password)
    if user is None:
        # Same answer whether or not the user exists. A locked-out user gets
        # the lockout answer instead, swapped in by the axes middleware.
        raise ApiError(401, "invalid_credentials", _("用户名或密码错误。"))
    if user.must_change_password:
        raise ApiError(403, "password_change_required", _("首次登录或密码已重置，请先修改密码。"))
    raw, tok = ApiToken.issue(user)
    record("api_token", actor=user, request=request)
    return {"token": raw, "expires_at": tok.expires_at}
