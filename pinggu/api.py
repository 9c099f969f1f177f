"""/api/v1: one NinjaAPI with every app's router and one error format."""

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pinggu.accounts.api import audit_router, users_router
from pinggu.accounts.api import router as auth_router
from pinggu.accounts.api_auth import api_auth
from pinggu.campaigns.api import router as campaigns_router
from pinggu.campaigns.api import units_router
from pinggu.errors import ApiError, DomainError, unexpected_api_error
from pinggu.evidence.api import evidence_router
from pinggu.evidence.api import router as campaign_evidence_router
from pinggu.exports.api import router as oversight_router
from pinggu.frameworks.api import router as frameworks_router

api = NinjaAPI(
    title="Pinggu API",
    version="1",
    description="政务公开绩效评估系统 API。先用 POST /auth/token 取得令牌，再以 `Authorization: Bearer <token>` 调用。",
    auth=api_auth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/auth", auth_router)
api.add_router("/frameworks", frameworks_router)
api.add_router("/units", units_router)
api.add_router("/users", users_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/campaigns", campaign_evidence_router)
api.add_router("/campaigns", oversight_router)
api.add_router("/evidence", evidence_router)
api.add_router("/audit", audit_router)


@api.exception_handler(DomainError)
def _domain_error(request, exc):
    return ApiError.response(exc.status, exc.code, exc.message, **exc.extra)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return ApiError.response(401, "unauthorized", _("需要登录：请提供有效的 Bearer 令牌。"))


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    fields = sorted({".".join(str(p) for p in e.get("loc", [])[2:] or e.get("loc", [])[-1:]) for e in exc.errors} - {""})
    message = _("请求内容不正确，请检查这些字段：%(f)s。") % {"f": "、".join(fields)} if fields else _("请求内容不正确。")
    return ApiError.response(400, "invalid_request", message, errors=exc.errors)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return ApiError.response(403, "forbidden", _("没有权限执行此操作。"))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return ApiError.response(404, "not_found", _("找不到该对象。"))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return ApiError.response(exc.status_code, "error", str(exc))


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
@api.exception_handler(MultiPartParserError)
def _bad_request(request, exc):
    # A body Django cannot parse (a multipart type without boundary) or refuses
    # to (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields): the client's fault.
    return ApiError.response(400, "bad_request", _("请求内容不正确。"))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    return unexpected_api_error(request, exc)
