"""Refuse an oversized request on its Content-Length, before anything reads the body.

Django's CSRF middleware reads a POST form to find its token, which spools every file of a
multipart body to disk; a 300 MB request meant 266 MB written before the view could refuse.
This middleware comes first, so a refused body is never read at all.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from pinggu.campaigns.models import Campaign
from pinggu.errors import error_json, wants_json
from pinggu.evidence import services as evidence

# Routes that take evidence files: their limit is the campaign's own file limit.
EVIDENCE_UPLOAD_VIEWS = {"evidence:upload": "pk", "api:add_evidence": "campaign_id"}


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def _refusal(request: HttpRequest) -> tuple[int, str, str] | None:
    length = _content_length(request)
    if length <= evidence.ENVELOPE_BYTES:
        return None  # a form, not a file: no need to look at the route
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    if match is not None and match.view_name in EVIDENCE_UPLOAD_VIEWS:
        campaign = Campaign.objects.filter(pk=match.kwargs[EVIDENCE_UPLOAD_VIEWS[match.view_name]]).first()
        if campaign is None:
            return None  # the view answers 404
        error = evidence.oversized_request_refusal(campaign, length)
        return (error.status, error.code, error.message) if error else None
    if length > settings.MAX_REQUEST_BYTES:
        return 413, "request_too_large", _("提交的内容过大（上限 %(mb)d MB），未接收。请减小文件或分批提交后重试。") % {
            "mb": settings.MAX_REQUEST_BYTES // 1024 // 1024}
    return None


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = _refusal(request) if request.method in ("POST", "PUT", "PATCH") else None
        if refusal is None:
            return self.get_response(request)
        status, code, message = refusal
        response: HttpResponse
        if wants_json(request):
            response = error_json(status, code, message, ok=False)
        else:
            response = render(request, "site/refused.html", {"message": message}, status=status)
        # The unread body stays in the socket: do not offer to reuse the connection. WSGI forbids hop-by-hop
        # headers to applications; gunicorn honours this one, the development server refuses it (and drains the body).
        if request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
            response["Connection"] = "close"
        return response
