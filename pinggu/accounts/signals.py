from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import ngettext

from pinggu.errors import is_api

from .audit import record
from .models import ApiToken


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("login", actor=user, request=request, via=_channel(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, request=request)
        # API tokens belong to scripts, not to this browser: logging out leaves them, and says so.
        live = ApiToken.objects.active().filter(user=user).count()
        if live and request is not None:
            messages.info(request, ngettext(
                "已退出。您的 %(n)d 个 API 令牌仍然有效，直到过期；如需作废，请登录后在“API 令牌”页面撤销。",
                "已退出。您的 %(n)d 个 API 令牌仍然有效，直到过期；如需作废，请登录后在“API 令牌”页面撤销。", live) % {"n": live})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record("login_failed", request=request, username=credentials.get("username", ""), via=_channel(request))


def _channel(request):
    return "api" if request is not None and is_api(request) else "web"


from axes.signals import user_locked_out  # noqa: E402


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record("lockout", request=request, username=username or "")
