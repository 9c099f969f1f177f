"""Writing audit events. Every service function that changes state calls `record`."""

import hashlib
import re
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from pinggu.lib.clientaddr import client_addr
from pinggu.lib.dates import local_datetime

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
    return client_addr(request)


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


# --- Labels -------------------------------------------------------------------------
# Each app registers the labels of the actions it records and of the detail fields it writes
# (in its audit_labels module, imported by its AppConfig.ready), so a new action is labelled next
# to the code that records it. tests/accounts/test_audit_readable.py checks every recorded action.

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # how record() stores datetimes (iso_local)
_ACTIONS: dict[str, Any] = {}
_FIELDS: dict[str, Any] = {}
_VALUES: dict[str, dict[str, Any]] = {}


def register_actions(labels: dict[str, Any]) -> dict[str, Any]:
    _ACTIONS.update(labels)
    return labels


def register_fields(labels: dict[str, Any], values: dict[str, dict[str, Any]] | None = None) -> None:
    """Labels of detail fields, and optionally labels of their values (e.g. via: web → 网页)."""
    _FIELDS.update(labels)
    for field, mapping in (values or {}).items():
        _VALUES.setdefault(field, {}).update(mapping)


def action_labels() -> dict[str, Any]:
    return dict(_ACTIONS)


def action_label(action: str) -> str:
    return str(_ACTIONS.get(action, action))


def field_label(field: str) -> str:
    if field in _FIELDS:
        return str(_FIELDS[field])
    # bounded_details writes <field>_sha256 and <field>_length beside a cut long text.
    for suffix, label in (("_sha256", "SHA-256"), ("_length", _("字数"))):
        if field.endswith(suffix) and field[: -len(suffix)] in _FIELDS:
            return _("%(field)s（%(what)s）") % {"field": _FIELDS[field[: -len(suffix)]], "what": label}
    return field


def value_text(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return _("、").join(value_text(field, v) for v in value) or "—"
    if isinstance(value, dict):
        return _("，").join(detail_text(value))
    labels = _ACTIONS if field == "action" else _VALUES.get(field, {})  # an export's filters name an action
    if str(value) in labels:
        return str(labels[str(value)])
    if isinstance(value, str) and _ISO.match(value):
        parsed = parse_datetime(value)
        if parsed is not None:
            return local_datetime(parsed)
    return str(value)


def describe(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An event's details as (label, value) pairs readable by people, in the order written."""
    return [(field_label(k), value_text(k, v)) for k, v in (details or {}).items()]


def detail_text(details: dict[str, Any] | None) -> list[str]:
    return [_("%(label)s：%(value)s") % {"label": label, "value": value} for label, value in describe(details)]

