"""Writing audit events. Every service function that changes state calls `record`."""

import hashlib
from typing import Any

from .models import AuditEvent

# A long value (a note, a notice) is kept as its beginning plus a hash: the log proves what was
# written without storing every version of every long text in full.
EXCERPT_CHARS = 500


def bounded_details(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, str) and len(value) > EXCERPT_CHARS:
            out[key] = value[:EXCERPT_CHARS] + "…"
            out[f"{key}_sha256"] = hashlib.sha256(value.encode()).hexdigest()
            out[f"{key}_length"] = len(value)
        else:
            out[key] = value
    return out


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(action, *, actor=None, request=None, obj=None, campaign=None, unit=None, **details):
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
    if actor is not None and not getattr(actor, "pk", None):
        actor = None
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=(actor.get_username() if actor else details.pop("username", "")) or "",
        action=action,
        ip=client_ip(request),
        campaign=campaign,
        unit=unit,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        details=bounded_details(details),
    )
