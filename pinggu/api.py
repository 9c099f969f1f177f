"""/api/v1: one NinjaAPI with every app's router and one error format."""

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from pinggu.accounts.api import audit_router, users_router
from pinggu.accounts.api import router as auth_router
from pinggu.accounts.api_auth import api_auth
from pinggu.campaigns.api import router as campaigns_router
from pinggu.campaigns.api import units_router
from pinggu.errors import FORBIDDEN, NOT_FOUND, DomainError, error_json, refusal_json, unexpected_api_error
from pinggu.evidence.api import evidence_router
from pinggu.evidence.api import router as campaign_evidence_router
from pinggu.exports.api import jobs_router as export_jobs_router
from pinggu.exports.api import router as oversight_router
from pinggu.frameworks.api import router as frameworks_router
from pinggu.reviews.api import router as reviews_router
from pinggu.reviews.results_api import objections_router
from pinggu.reviews.results_api import router as results_router

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
api.add_router("/campaigns", reviews_router)
api.add_router("/campaigns", results_router)
api.add_router("/objections", objections_router)
api.add_router("/export", export_jobs_router)
api.add_router("/evidence", evidence_router)
api.add_router("/audit", audit_router)


@api.exception_handler(DomainError)
def _domain_error(request, exc):
    return refusal_json(exc)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error_json(401, "unauthorized", _("需要登录：请提供有效的 Bearer 令牌。"))


# What pydantic found, said so that the caller knows what to change (its own English stays in `errors`).
_FIELD_PROBLEMS = {
    "missing": gettext_noop("“%(f)s”必须填写"),
    "string_too_long": gettext_noop("“%(f)s”最多 %(max_length)s 个字符"),
    "string_too_short": gettext_noop("“%(f)s”至少 %(min_length)s 个字符"),
    "too_long": gettext_noop("“%(f)s”最多 %(max_length)s 项"),
    "greater_than_equal": gettext_noop("“%(f)s”不能小于 %(ge)s"),
    "greater_than": gettext_noop("“%(f)s”必须大于 %(gt)s"),
    "less_than_equal": gettext_noop("“%(f)s”不能大于 %(le)s"),
    "less_than": gettext_noop("“%(f)s”必须小于 %(lt)s"),
    "string_pattern_mismatch": gettext_noop("“%(f)s”含有不允许的字符"),
    "int_parsing": gettext_noop("“%(f)s”应为整数"),
    "int_type": gettext_noop("“%(f)s”应为整数"),
    "bool_parsing": gettext_noop("“%(f)s”应为 true 或 false"),
    "datetime_parsing": gettext_noop("“%(f)s”应为带时区的日期时间，如 2020-12-11T17:00:00+08:00"),
    "datetime_from_date_parsing": gettext_noop("“%(f)s”应为带时区的日期时间，如 2020-12-11T17:00:00+08:00"),
    "json_invalid": gettext_noop("请求体不是有效的 JSON"),
}


def _field_problem(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", [])]
    field = ".".join(loc[2:] or loc[-1:])
    template = _FIELD_PROBLEMS.get(error.get("type", ""), gettext_noop("“%(f)s”格式不正确"))
    try:
        return _(template) % {"f": field, **(error.get("ctx") or {})}
    except (KeyError, TypeError):  # a limit pydantic did not report: still name the field
        return _("“%(f)s”格式不正确") % {"f": field}


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    problems = list(dict.fromkeys(_field_problem(e) for e in exc.errors))
    message = _("请求内容不正确：%(p)s。") % {"p": "；".join(problems)} if problems else _("请求内容不正确。")
    return error_json(400, "invalid_request", message, errors=exc.errors)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return error_json(403, "forbidden", _(FORBIDDEN))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error_json(404, "not_found", _(NOT_FOUND))


@api.exception_handler(HttpError)
def _http_error(request, exc):
    # django-ninja raises these with English texts, e.g. 400 "Cannot parse request body" for malformed JSON.
    if exc.status_code == 400:
        return error_json(400, "bad_request", _("请求内容无法解析：请发送合法的 JSON（或表单），并检查引号、逗号和括号。"))
    return error_json(exc.status_code, "error", _("请求未能处理（%(s)s）。") % {"s": exc.status_code})


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(BadRequest)
@api.exception_handler(MultiPartParserError)
def _bad_request(request, exc):
    # A body Django cannot parse (a multipart type without boundary) or refuses
    # to (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields): the client's fault.
    return error_json(400, "bad_request", _("请求内容不正确。"))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    return unexpected_api_error(request, exc)
