from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    record("login", actor=user, request=request, via=_channel(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record("logout", actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    record("login_failed", request=request, username=credentials.get("username", ""), via=_channel(request))


def _channel(request):
    return "api" if request is not None and request.path.startswith("/api/") else "web"


from axes.signals import user_locked_out  # noqa: E402


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    record("lockout", request=request, username=username or "")
