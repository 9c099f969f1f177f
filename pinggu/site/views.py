from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pinggu.errors import ApiError


@login_required
def home(request):
    return redirect("campaigns:list")


def csrf_failure(request, reason=""):
    """A form sent from an expired page: say so in words, not Django's technical page."""
    if request.path.startswith("/api/"):
        return ApiError.response(403, "csrf_failed", _("缺少或无效的 CSRF 令牌：请使用 Bearer 令牌调用 API。"))
    return render(request, "403_csrf.html", status=403)
