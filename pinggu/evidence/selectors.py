"""How far a unit's checklist is answered: the one count every page, file and API answer reads.

The workspace, the submit page, the dashboard, the matrix, progress.xlsx, the progress API and the
reminders' "has empty points" filter all take their numbers from here, so they cannot disagree.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Count

from pinggu.campaigns.models import Enrollment
from pinggu.frameworks.models import Checkpoint

from .models import ANSWERED_STATUSES, Response, ResponseStatus


def is_answered(status: str) -> bool:
    return status in ANSWERED_STATUSES


@dataclass(frozen=True)
class Progress:
    """One unit's counts. `answered` includes 不适用; a returned point is not answered."""

    total: int
    answered: int
    not_applicable: int
    returned: int

    @property
    def unanswered(self) -> int:
        return self.total - self.answered

    @property
    def complete(self) -> bool:
        return self.unanswered == 0

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0

    @classmethod
    def from_counts(cls, total: int, by_status: Mapping[str, int]) -> "Progress":
        return cls(
            total=total,
            answered=sum(n for status, n in by_status.items() if is_answered(status)),
            not_applicable=by_status.get(ResponseStatus.NOT_APPLICABLE, 0),
            returned=by_status.get(ResponseStatus.RETURNED, 0),
        )

    def as_dict(self) -> dict[str, int]:
        """The workspace's and the checklist API's shape (done = answered, as the API has always said)."""
        return {"done": self.answered, "total": self.total}


def _points_per_framework(framework_ids: Iterable[int]) -> dict[int, int]:
    return dict(Checkpoint.objects.filter(framework_id__in=set(framework_ids)).values_list("framework_id").annotate(n=Count("id")))


def progress_for_many(enrollments: Iterable) -> dict[int, Progress]:
    """{enrollment id: Progress} for many units in two queries, whatever their number."""
    enrollments = list(enrollments)
    totals = _points_per_framework(e.framework_id for e in enrollments)
    by_status: dict[int, dict[str, int]] = {}
    for enrollment_id, status, n in (
        Response.objects.filter(enrollment_id__in=[e.pk for e in enrollments], checkpoint__framework_id__in=totals)
        .values_list("enrollment_id", "status").annotate(n=Count("id")).order_by()
    ):
        by_status.setdefault(enrollment_id, {})[status] = n
    return {e.pk: Progress.from_counts(totals.get(e.framework_id, 0), by_status.get(e.pk, {})) for e in enrollments}


def progress_for(enrollment: Enrollment) -> Progress:
    return progress_for_many([enrollment])[enrollment.pk]


def progress_of_statuses(statuses: Iterable[str], total: int) -> Progress:
    """The same count over statuses already loaded (the workspace has every response in hand)."""
    return Progress.from_counts(total, Counter(statuses))


def unanswered_points(enrollment: Enrollment) -> list[Checkpoint]:
    """The points of the unit's checklist not answered yet, in checklist order."""
    answered = set(
        Response.objects.filter(enrollment=enrollment, status__in=ANSWERED_STATUSES).values_list("checkpoint_id", flat=True)
    )
    return [cp for cp in Checkpoint.objects.filter(framework_id=enrollment.framework_id).order_by("position")
            if cp.pk not in answered]


def statuses_for_many(enrollment_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """{(enrollment id, checkpoint id): status} for the matrix; a point without a row is empty."""
    return {(e, c): s for e, c, s in Response.objects.filter(enrollment_id__in=list(enrollment_ids))
            .values_list("enrollment_id", "checkpoint_id", "status")}
