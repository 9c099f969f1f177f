import sys

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views import defaults

from pinggu.errors import error_json, failure_response, is_api, is_storage_full

from .middleware import storage_full_response


@login_required
def home(request):
    return redirect("campaigns:list")


def favicon(request):
    """Browsers and tools ask for /favicon.ico whatever the pages link; send them to the static file."""
    return redirect(static("pinggu/favicon.ico"))


def csrf_failure(request, reason=""):
    """A form sent from an expired page: say so in words, not Django's technical page."""
    if is_api(request):
        return error_json(403, "csrf_failed", _("缺少或无效的 CSRF 令牌：请使用 Bearer 令牌调用 API。"))
    return render(request, "403_csrf.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: what escaped every view and middleware. A full disk often strikes before any view
    runs (the CSRF check reads the upload into a temp file), where StorageFullMiddleware cannot see it.
    API clients get JSON, 503 when it was the database."""
    if is_storage_full(sys.exc_info()[1]):
        return storage_full_response(request)
    if is_api(request):
        # Django calls this while handling the exception, so it is still current.
        return failure_response(sys.exception())
    return defaults.server_error(request)
