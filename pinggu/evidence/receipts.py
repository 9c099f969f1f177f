"""报送回执: what a unit submitted, as a plain typed structure with a fingerprint.

The selector reads; the receipt page and the .docx (receipt_docx.py) only render what it returns, so
both show the same content and the same fingerprint. The fingerprint is the SHA-256 of the listed
content in a canonical JSON form: anyone holding the receipt can recompute it from the same data,
and each file's SHA-256 is the one computed from its bytes at upload.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts.models import AuditEvent, User
from pinggu.campaigns.models import Enrollment, EnrollmentState
from pinggu.frameworks.services import load_tree
from pinggu.frameworks.tree import PointNode

from .models import Evidence, EvidenceKind, Response, ResponseStatus
from .services import EvidenceError


@dataclass(frozen=True)
class ReceiptFile:
    name: str
    size: int
    sha256: str
    uploaded_at: datetime
    uploaded_by: str
    evidence_id: int


@dataclass(frozen=True)
class ReceiptLink:
    url: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True)
class ReceiptPoint:
    code: str
    title: str
    indicators: tuple[str, ...]  # the point's 一级, 二级 … indicator titles, top first
    status: str  # a ResponseStatus value
    status_label: str
    note: str  # the 说明; empty when the point is 不适用
    not_applicable_reason: str
    files: tuple[ReceiptFile, ...] = field(default_factory=tuple)
    links: tuple[ReceiptLink, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Receipt:
    number: str
    fingerprint: str
    campaign_id: int
    campaign_title: str
    unit_code: str
    unit_name: str
    submitter: str
    submitted_at: datetime
    points: tuple[ReceiptPoint, ...]

    @property
    def file_count(self) -> int:
        return sum(len(p.files) for p in self.points)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for p in self.points for f in p.files)

    @property
    def answered(self) -> int:
        return sum(1 for p in self.points if p.status != ResponseStatus.EMPTY)


def _who(user: User | None) -> str:
    return str(user) if user is not None else ""


def _submitter(enrollment: Enrollment) -> str:
    event = (AuditEvent.objects.filter(action="submit", campaign=enrollment.campaign, unit=enrollment.unit)
             .select_related("actor").order_by("-at", "-id").first())
    if event is None:
        return ""
    return _who(event.actor) if event.actor else event.actor_name


def canonical(receipt_fields: dict[str, Any]) -> bytes:
    """The bytes the fingerprint is taken over: sorted keys, times in ISO 8601 with their offset."""
    def default(value: object) -> str:
        if isinstance(value, datetime):
            return timezone.localtime(value).isoformat()
        raise TypeError(type(value))

    return json.dumps(receipt_fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default).encode()


def receipt(enrollment: Enrollment) -> Receipt:
    """The unit's receipt for its last submission; refused while the unit has not submitted."""
    if enrollment.state != EnrollmentState.SUBMITTED or enrollment.submitted_at is None:
        raise EvidenceError(_("该单位尚未报送，还没有报送回执。"), code="not_submitted", status=404)
    responses: dict[int | None, Response] = {r.checkpoint_id: r for r in Response.objects.filter(enrollment=enrollment)}
    evidence: dict[int, list[Evidence]] = {}
    for item in (Evidence.objects.alive().filter(response__enrollment=enrollment)
                 .select_related("uploaded_by").order_by("uploaded_at", "id")):
        evidence.setdefault(item.response_id, []).append(item)
    labels = dict(ResponseStatus.choices)
    points: list[ReceiptPoint] = []

    for step in load_tree(enrollment.framework).walk():
        cp = step.node
        if not isinstance(cp, PointNode):
            continue
        here = tuple(ind.title for ind in step.path)
        response = responses.get(cp.pk)
        status = response.status if response else ResponseStatus.EMPTY
        note = response.note if response else ""
        items = evidence.get(response.pk, []) if response else []
        points.append(ReceiptPoint(
            code=cp.code, title=cp.text, indicators=here, status=status, status_label=str(labels[status]),
            note="" if status == ResponseStatus.NOT_APPLICABLE else note,
            not_applicable_reason=note if status == ResponseStatus.NOT_APPLICABLE else "",
            files=tuple(ReceiptFile(name=e.filename, size=e.size, sha256=e.sha256, uploaded_at=e.uploaded_at,
                                    uploaded_by=_who(e.uploaded_by), evidence_id=e.pk)
                        for e in items if e.kind == EvidenceKind.FILE),
            links=tuple(ReceiptLink(url=e.url, added_at=e.uploaded_at, added_by=_who(e.uploaded_by))
                        for e in items if e.kind == EvidenceKind.LINK),
        ))
    campaign, unit = enrollment.campaign, enrollment.unit
    content: dict[str, Any] = {
        "campaign_id": campaign.pk, "campaign_title": campaign.title, "unit_code": unit.code, "unit_name": unit.name,
        "submitter": _submitter(enrollment), "submitted_at": enrollment.submitted_at,
        # The label is a translation of the status: left out so the fingerprint does not depend on the language.
        "points": [{k: v for k, v in asdict(p).items() if k != "status_label"} for p in points],
    }
    fingerprint = hashlib.sha256(canonical(content)).hexdigest()
    local = timezone.localtime(enrollment.submitted_at)
    return Receipt(
        number=f"HZ{campaign.pk:04d}-{local:%Y%m%d}-{fingerprint[:8].upper()}",
        fingerprint=fingerprint, points=tuple(points),
        **{k: v for k, v in content.items() if k != "points"},
    )
