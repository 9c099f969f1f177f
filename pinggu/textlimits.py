"""Every free-text value is bounded: one check, at the model level, for every save path.

Each CharField and TextField of Pinggu's models declares a max_length; this refuses a longer
value before it reaches the database (SQLite would store it, PostgreSQL would answer a 500),
with a message naming the field. Forms and API schemas read the same max_length.
"""

from typing import Any

from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

from pinggu.errors import DomainError


def max_length(model: type[models.Model], field: str) -> int:
    length = getattr(model._meta.get_field(field), "max_length", None)  # a relation has none
    assert length is not None, f"{model.__name__}.{field} has no max_length"
    return length


# Free text that is recorded only in the audit log (a reason for a return, say).
REASON = 1000


def bounded(value: str | None, limit: int, label: str) -> str:
    """The stripped value, or a refusal naming the field when it is longer than the limit."""
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError(_("“%(f)s”最多 %(n)d 个字，现在是 %(m)d 个字，请删减后再保存。") % {"f": label, "n": limit, "m": len(value)},
                          code="too_long", status=400, max_length=limit)
    return value


def check_lengths(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not sender.__module__.startswith("pinggu."):
        return
    for field in sender._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and field.max_length:
            value = getattr(instance, field.attname)
            if isinstance(value, str) and len(value) > field.max_length:
                try:
                    bounded(value, field.max_length, str(field.verbose_name))
                except DomainError as exc:
                    exc.extra["field"] = field.name
                    raise


def connect() -> None:
    pre_save.connect(check_lengths, dispatch_uid="pinggu-text-limits")
