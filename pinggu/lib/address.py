"""Where people reach this instance: one answer for mails, workbooks and documents."""

from django.conf import settings
from django.urls import reverse

FALLBACK = "http://127.0.0.1:8000"


def base_url(request=None) -> str:
    """The configured PINGGU_BASE_URL; else the address the request came in on; else the local default.

    No trailing slash. Documents written without a request and without the setting carry the
    local default, which the operations guide tells organizers to replace.
    """
    if settings.BASE_URL:
        return settings.BASE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK


def login_url(request=None) -> str:
    return base_url(request) + reverse("accounts:login")
