"""Year over year (issue 10 §5): a campaign copied to a new draft with its checklists, units and evaluators; the
copy remembers its source, so results can show each unit's change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest

from pinggu.accounts.audit import record
from pinggu.accounts.models import User

from .models import Campaign, Enrollment, EvaluatorAssignment
from .services import CAMPAIGN_FIELDS, create_campaign

# What the copy takes from its source besides what the caller gives (title, year, the two dates).
COPIED_FIELDS = tuple(f for f in CAMPAIGN_FIELDS if f not in ("title", "year", "opens_at", "deadline", "notice"))


@transaction.atomic
def copy_campaign(source: Campaign, *, title: str, year: int, opens_at: datetime, deadline: datetime,
                  user: User | None = None, request: HttpRequest | None = None) -> Campaign:
    """A new draft campaign: the source's settings, checklist per unit kind, enrolled units and evaluator
    assignments; the notice text is left for the new year. `copied_from` links it to the source."""
    fields: dict[str, Any] = {f: getattr(source, f) for f in COPIED_FIELDS}
    frameworks = {link.unit_kind.code: link.framework
                  for link in source.framework_links.select_related("unit_kind", "framework")}
    copy = create_campaign(title=title, year=year, opens_at=opens_at, deadline=deadline, frameworks=frameworks,
                           user=user, request=request, **fields)
    copy.copied_from, copy.objection_days = source, source.objection_days
    copy.save(update_fields=["copied_from", "objection_days"])
    links = {link.unit_kind_id: link.framework_id for link in copy.framework_links.all()}
    Enrollment.objects.bulk_create(
        Enrollment(campaign=copy, unit_id=e.unit_id, framework_id=links.get(e.unit.kind_id, e.framework_id))
        for e in source.enrollments.select_related("unit"))
    EvaluatorAssignment.objects.bulk_create(
        EvaluatorAssignment(campaign=copy, user_id=a.user_id, unit_id=a.unit_id, role=a.role)
        for a in source.assignments.all())
    record("campaign_copy", actor=user, request=request, obj=copy, campaign=copy, copied_from=source.pk,
           title=copy.title, units=copy.enrollments.count())
    return copy
