"""Who sent a request, by one rule for the audit log, the lockout counters and the request log."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_addr(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a declared HTTPS proxy that sent the request, the address
    that proxy appended to X-Forwarded-For (the last one: whatever comes before it the client could have written)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.BEHIND_HTTPS_PROXY or remote is None:
        return remote
    if "*" not in settings.FORWARDED_ALLOW_IPS and remote not in settings.FORWARDED_ALLOW_IPS:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(forwarded))
    except ValueError:
        return remote
