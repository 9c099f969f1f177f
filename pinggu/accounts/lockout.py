"""What a locked-out user sees, on the web and in the API: when to try again."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pinggu.errors import is_api


def retry_at():
    # Axes restarts the cool-off on every failure during a lockout, so the
    # lockout ends one cool-off period after now.
    return timezone.now() + settings.AXES_COOLOFF_TIME


def lockout_message(when):
    local = timezone.localtime(when)
    return _("登录失败次数过多，账户已暂时锁定。请于 %(time)s 后再试，或联系组织单位解锁。") % {
        "time": date_format(local, "Y年n月j日 H:i")
    }


def lockout_response(request, original_response=None, credentials=None):
    when = retry_at()
    message = lockout_message(when)
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    if is_api(request):
        response = JsonResponse(
            {"error": "locked_out", "message": message, "retry_at": timezone.localtime(when).isoformat()}, status=429
        )
    else:
        response = render(request, "accounts/locked.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
