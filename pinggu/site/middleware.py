"""A full disk answers 503 with a message people can act on, instead of a bare 500."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _

from pinggu.errors import STORAGE_FULL_MESSAGE, is_storage_full, storage_full_json, wants_json

log = logging.getLogger(__name__)


def storage_full_response(request: HttpRequest) -> HttpResponse:
    # The workspace uploads files by script and shows the JSON message next to the file.
    if wants_json(request):
        return storage_full_json()
    message = _(STORAGE_FULL_MESSAGE)
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
