"""A full disk answers 503 with a message people can act on, instead of a bare 500."""

import errno
import logging
import sqlite3

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _

from pinggu.errors import ApiError

log = logging.getLogger(__name__)

FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
POSTGRES_DISK_FULL = "53100"


def is_storage_full(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, means the disk or quota is full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            return True
        # Django wraps the driver's error; SQLite only says it in words.
        if isinstance(exc, (sqlite3.OperationalError, OperationalError)) and "database or disk is full" in str(exc):
            return True
        if getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:  # psycopg's DiskFull
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def storage_full_response(request: HttpRequest) -> HttpResponse:
    message = _("服务器存储空间不足，文件未保存，请稍后再试或联系组织单位。")
    # The workspace uploads files by script and shows the JSON message next to the file.
    if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json"):
        return ApiError.response(503, "storage_full", message)
    try:
        return render(request, "503_storage_full.html", {"message": message}, status=503)
    except Exception:
        # The page itself may need what is broken (a session read, a template on the full disk).
        log.exception("存储空间不足页面无法显示")
        return HttpResponse(f"<!doctype html><meta charset='utf-8'><p>{escape(message)}</p>", status=503)


class StorageFullMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_storage_full(exception):
            return None
        log.error("存储空间不足：%s %s：%s", request.method, request.path, exception)
        return storage_full_response(request)
