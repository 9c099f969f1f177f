"""Where every enrolled unit stands: the dashboard, the matrix, the progress API and progress.xlsx.

Each function runs a fixed number of queries whatever the number of units:
the counts are grouped in the database, never fetched per row.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinggu.accounts.models import User
from pinggu.campaigns import visibility
from pinggu.campaigns.models import Campaign, Enrollment, EnrollmentState, unit_sort_key
from pinggu.campaigns.services import enrollment_record, is_overdue, iso_local
from pinggu.evidence.models import Evidence, EvidenceKind, ResponseStatus
from pinggu.evidence.selectors import is_answered, progress_for_many, statuses_for_many
from pinggu.frameworks.models import Checkpoint

OVERDUE = "overdue"
STATE_LABELS = {
    EnrollmentState.NOT_STARTED: _("未开始"), EnrollmentState.IN_PROGRESS: _("填报中"), EnrollmentState.SUBMITTED: _("已报送"),
    EnrollmentState.RETURNED: _("已退回"), OVERDUE: _("逾期"),
}
# A filter, not a state: submitted with points left empty (the unit acknowledged them).
INCOMPLETE = "incomplete"
INCOMPLETE_LABEL = _("已报送（不完整）")
FILTER_LABELS = {**STATE_LABELS, INCOMPLETE: INCOMPLETE_LABEL}
SORT_KEYS = ("unit_name", "unit_code", "kind", "state", "done", "not_applicable", "total", "files", "bytes",
             "last_activity", "deadline")


@dataclass
class Row:
    enrollment: Enrollment
    unit_code: str
    unit_name: str
    kind: str
    kind_name: str
    state: str
    done: int
    not_applicable: int
    total: int
    files: int
    bytes: int
    last_activity: datetime | None
    deadline: datetime
    extended: bool
    extension_reason: str = ""
    incomplete: bool = False
    sort_name: tuple = field(default=(), repr=False)  # the units' one order (models.unit_sort_key)

    @property
    def state_label(self) -> str:
        if self.state == EnrollmentState.SUBMITTED and self.incomplete:
            return str(INCOMPLETE_LABEL)
        return str(STATE_LABELS[self.state])

    def as_api(self) -> dict[str, Any]:
        return {
            "unit_code": self.unit_code, "unit_name": self.unit_name, "kind": self.kind, "state": self.state,
            "done": self.done, "not_applicable": self.not_applicable, "total": self.total, "files": self.files,
            "bytes": self.bytes, "last_activity": iso_local(self.last_activity), "deadline": iso_local(self.deadline),
            "extended": self.extended, **enrollment_record(self.enrollment),
        }


def visible_enrollments(user: User, campaign: Campaign) -> QuerySet[Enrollment]:
    return visibility.enrollments_visible_to(user).filter(campaign=campaign)


def rows(enrollments: QuerySet[Enrollment], *, now: datetime | None = None) -> list[Row]:
    """One Row per enrollment, in four queries."""
    now = now or timezone.now()
    listed = list(enrollments.select_related("unit__kind", "campaign", "returned_by", "extended_by"))
    ids = [e.pk for e in listed]
    answered = progress_for_many(listed)
    files = {
        r["response__enrollment_id"]: r
        for r in Evidence.objects.alive().filter(response__enrollment_id__in=ids, kind=EvidenceKind.FILE)
        .values("response__enrollment_id").annotate(n=Count("id"), size=Sum("size"), last=Max("uploaded_at"))
    }
    out = []
    for e in listed:
        deadline = e.effective_deadline
        state = OVERDUE if is_overdue(e, now) else e.state
        counts = answered[e.pk]
        f = files.get(e.pk, {})
        out.append(Row(
            enrollment=e, unit_code=e.unit.code, unit_name=e.unit.name, kind=e.unit.kind.code, kind_name=e.unit.kind.name,
            state=state, done=counts.answered, not_applicable=counts.not_applicable,
            total=counts.total, files=f.get("n", 0), bytes=f.get("size") or 0,
            last_activity=e.last_activity_at, deadline=deadline, extended=e.extended_deadline is not None,
            extension_reason=e.extension_reason, incomplete=e.submitted_incomplete, sort_name=unit_sort_key(e.unit),
        ))
    return out


def filter_and_sort(
    items: list[Row], *, kind: str | None = None, state: str | None = None, sort: str = "unit_name", descending: bool = False,
) -> list[Row]:
    if kind:
        items = [r for r in items if r.kind == kind]
    if state == INCOMPLETE:
        items = [r for r in items if r.state == EnrollmentState.SUBMITTED and r.incomplete]
    elif state:
        items = [r for r in items if r.state == state]
    key = sort if sort in SORT_KEYS else "unit_name"
    if key == "unit_name":
        getter = lambda r: r.sort_name  # noqa: E731
    elif key in ("last_activity", "deadline"):
        getter = lambda r: (getattr(r, key) is None, getattr(r, key) or timezone.now())  # noqa: E731
    else:
        getter = lambda r: (getattr(r, key), r.sort_name)  # noqa: E731
    return sorted(items, key=getter, reverse=descending)


def totals(items: list[Row]) -> dict[str, Any]:
    by_state = {s: 0 for s in STATE_LABELS}
    for r in items:
        by_state[r.state] += 1
    done = sum(r.done for r in items)
    total = sum(r.total for r in items)
    return {
        "units": len(items), "by_state": by_state, "submitted": by_state[EnrollmentState.SUBMITTED],
        "incomplete": sum(1 for r in items if r.state == EnrollmentState.SUBMITTED and r.incomplete),
        "returned": by_state[EnrollmentState.RETURNED],
        "done": done, "not_applicable": sum(r.not_applicable for r in items), "total": total,
        "percent": round(100 * done / total) if total else 0,
        "files": sum(r.files for r in items), "bytes": sum(r.bytes for r in items),
    }


@dataclass
class Matrix:
    kind_name: str
    checkpoints: list[Checkpoint]
    units: list[tuple[Row, list[str]]]  # (Row, [status per checkpoint])
    done: dict[int, int]  # units that answered it, per checkpoint pk


def matrices(items: list[Row]) -> list[Matrix]:
    """Units x assessment points per framework (county and department checklists differ). Two queries."""
    by_framework: dict[int, list[Row]] = {}
    for r in items:
        by_framework.setdefault(r.enrollment.framework_id, []).append(r)
    checkpoints: dict[int, list[Checkpoint]] = {}
    for cp in Checkpoint.objects.filter(framework_id__in=by_framework).order_by("position"):
        checkpoints.setdefault(cp.framework_id, []).append(cp)
    statuses = statuses_for_many(r.enrollment.pk for r in items)
    out = []
    for framework_id, units in by_framework.items():
        cps = checkpoints.get(framework_id, [])
        grid = []
        done = {cp.pk: 0 for cp in cps}
        for r in units:
            line = [statuses.get((r.enrollment.pk, cp.pk), ResponseStatus.EMPTY) for cp in cps]
            for cp, status in zip(cps, line):
                if is_answered(status):
                    done[cp.pk] += 1
            grid.append((r, line))
        out.append(Matrix(kind_name=units[0].kind_name, checkpoints=cps, units=grid, done=done))
    return out


def by_kind(items: list[Row]) -> list[dict[str, Any]]:
    """Per unit kind, what the organizer asks first: units submitted of N (不完整 and 已退回 broken out),
    then the points answered beside it."""
    kinds: dict[str, dict[str, Any]] = {}
    for r in items:
        k = kinds.setdefault(r.kind_name, {"name": r.kind_name, "units": 0, "submitted": 0, "incomplete": 0,
                                           "returned": 0, "done": 0, "total": 0})
        k["units"] += 1
        k["submitted"] += r.state == EnrollmentState.SUBMITTED
        k["incomplete"] += r.state == EnrollmentState.SUBMITTED and r.incomplete
        k["returned"] += r.state == EnrollmentState.RETURNED
        k["done"] += r.done
        k["total"] += r.total
    for k in kinds.values():
        k["points_percent"] = round(100 * k["done"] / k["total"]) if k["total"] else 0
        k["percent"] = round(100 * k["submitted"] / k["units"]) if k["units"] else 0
    return list(kinds.values())


def chart_data(items: list[Row], campaign: Campaign) -> dict[str, Any]:
    """Units submitted by unit kind, cumulative submissions by day, the points most often left empty."""
    submitted_days = sorted(timezone.localtime(r.enrollment.submitted_at).date() for r in items
                            if r.state == EnrollmentState.SUBMITTED and r.enrollment.submitted_at)
    opens = timezone.localtime(campaign.opens_at).date()
    deadline = timezone.localtime(campaign.deadline).date()
    today = timezone.localdate()
    days: list[str] = []
    cumulative: list[int | None] = []
    n = i = 0
    day = opens
    while day <= max(deadline, min(today, deadline + timedelta(days=30))) and len(days) < 400:
        while i < len(submitted_days) and submitted_days[i] <= day:
            n += 1
            i += 1
        days.append(f"{day.month}/{day.day}")
        cumulative.append(n if day <= today else None)
        day += timedelta(days=1)
    empty: list[dict[str, Any]] = []
    for m in matrices(items):
        for cp in m.checkpoints:
            empty.append({"code": cp.code, "kind": m.kind_name, "text": cp.text[:30], "empty": len(m.units) - m.done[cp.pk]})
    empty.sort(key=lambda x: -x["empty"])
    return {
        "kinds": by_kind(items),
        "days": days, "cumulative": cumulative, "units": len(items),
        "deadline": f"{deadline.month}/{deadline.day}",
        "empty": empty[:10],
    }
