"""One error shape for every refusal: a machine code, an HTTP status and a Chinese message (plus fields).

Services raise DomainError (or an app's subclass); the API answers it as {"error": code, "message": ...}
with its status, and the web shows the message.
"""

import errno
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core import signals
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, DataError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


class DomainError(Exception):
    def __init__(self, message: Any, code: str = "invalid", status: int = 400, **extra: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.extra = extra


def error_json(status: int, code: str, message: Any, **extra: Any) -> JsonResponse:
    """The one JSON body of every refusal and failure: {"error": code, "message": ..., fields...}."""
    return JsonResponse({"error": code, "message": str(message), **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})


log = logging.getLogger(__name__)


def refusal_json(exc: DomainError, **fields: Any) -> JsonResponse:
    """THE JSON shape of a refusal, for the API and the pages' own scripts alike."""
    return error_json(exc.status, exc.code, exc.message, **exc.extra, **fields)


def _back(request: HttpRequest) -> str:
    for candidate in (request.POST.get("next") if request.method == "POST" else None, request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
            return candidate
    return request.path if request.method == "GET" else "/"


def web_refusal(request: HttpRequest, exc: DomainError, *, back: str | None = None, **fields: Any) -> HttpResponse:
    """THE web mapper: JSON with the error's status for scripts and htmx, else the message on the page we go back to."""
    if wants_json(request) or request.headers.get("HX-Request"):
        return refusal_json(exc, **fields)
    messages.error(request, str(exc.message))
    return HttpResponseRedirect(back or _back(request))


FORBIDDEN = gettext_noop("没有权限执行此操作。")
NOT_FOUND = gettext_noop("找不到该对象。")


class DomainErrorMiddleware:
    """A DomainError no view caught answers through web_refusal; a script's 403 or 404 is the API's JSON too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api(request):
            return None
        if isinstance(exception, DomainError):
            return web_refusal(request, exception)
        if wants_json(request) and isinstance(exception, PermissionDenied):
            return error_json(403, "forbidden", _(FORBIDDEN))
        if wants_json(request) and isinstance(exception, Http404):
            return error_json(404, "not_found", _(NOT_FOUND))
        return None


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def wants_json(request: HttpRequest) -> bool:
    """API clients, and the pages' own scripts (the workspace uploads files with Accept: application/json)."""
    return is_api(request) or request.headers.get("Accept", "").startswith("application/json")


_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_POSTGRES_DISK_FULL = "53100"
STORAGE_FULL_MESSAGE = gettext_noop("服务器存储空间不足，文件未保存，请稍后再试或联系组织单位。")


def is_storage_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, means the disk or quota is full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        # Django wraps the driver's error; SQLite only says it in words.
        if isinstance(exc, (sqlite3.OperationalError, OperationalError)) and "database or disk is full" in str(exc):
            return True
        if getattr(exc, "sqlstate", None) == _POSTGRES_DISK_FULL:  # psycopg's DiskFull
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def storage_full_json() -> JsonResponse:
    return error_json(503, "storage_full", _(STORAGE_FULL_MESSAGE))


def failure_response(exc: BaseException | None) -> JsonResponse:
    """The answer to an exception nothing expected: 503 while the disk is full or the database cannot be
    used, else 500."""
    if is_storage_full(exc):
        return storage_full_json()
    # Integrity and data errors are bugs that let bad input through, not an
    # outage: "try again later" would mislead.
    if isinstance(exc, DatabaseError) and not isinstance(exc, (IntegrityError, DataError)):
        return error_json(503, "database_unavailable", _("数据库暂时不可用，请稍后再试。"))
    return error_json(500, "server_error", _("服务器内部错误，请稍后再试；如果一直出现，请联系管理员。"))


def unexpected_api_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """For the API's exception handlers: answer JSON, but report the failure exactly as Django reports its own 500s."""
    if is_storage_full(exc):
        # An operating condition, not a bug: logged for the operator, no error report.
        log.error("存储空间不足：%s %s：%s", request.method, request.path, exc)
        return failure_response(exc)
    signals.got_request_exception.send(sender=None, request=request)
    response = failure_response(exc)
    log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request, exception=exc)
    return response


# Answers Django or ninja produce themselves, with an HTML or empty body.
_CODES = {
    400: ("bad_request", gettext_noop("请求内容不正确。")),
    404: ("not_found", gettext_noop("找不到该地址。")),
    405: ("method_not_allowed", gettext_noop("该地址不支持这种请求方法。")),
    413: ("too_large", gettext_noop("请求内容过大。")),
    416: ("range_not_satisfiable", gettext_noop("请求的字节范围超出文件大小。")),
}
# Describe the body being replaced; every other header (Allow, Content-Range, the security headers) still applies.
_BODY_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding", "content-language"}


class ApiErrorsAsJsonMiddleware:
    """Under /api/ every error is JSON with an `error` code, whoever answered it.

    The URL resolver's 404 and ninja's 405 for a known path with another method
    are HTML or plain text otherwise. Must come first in MIDDLEWARE so that it
    also sees the answers of the other middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api(request) or response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = _CODES.get(response.status_code, ("error", gettext_noop("请求失败。")))
        converted = error_json(response.status_code, code, _(message))
        for header, value in response.items():
            if header.lower() not in _BODY_HEADERS:
                converted[header] = value
        converted.cookies = response.cookies
        return converted
