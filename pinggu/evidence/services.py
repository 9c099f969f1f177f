"""Evidence rules: upload, link, 说明/不适用, delete, restore, submit, and the checklist view."""

import hashlib
import uuid
import zlib
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from django.core.files import File
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.models import User
from pinggu.campaigns.models import Campaign, Enrollment, EnrollmentState
from pinggu.campaigns.services import CampaignError, change_enrollment_state, ensure_writable, touch_enrollment
from pinggu.frameworks.models import Checkpoint
from pinggu.frameworks.services import load_tree
from pinggu.frameworks.tree import Node, PointNode, Tree
from pinggu.lib.zipdir import MAX_ENTRIES

from . import filetypes
from .models import Evidence, EvidenceKind, Response, ResponseStatus
from .orphans import discard_stored
from .selectors import is_answered, progress_of_statuses, unanswered_points
from .signals import response_status_changed

CHUNK = 1024 * 1024


class EvidenceError(CampaignError):
    pass


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def display_name(name: str | None) -> str:
    """The user's file name, kept for display: control characters removed, never empty."""
    cleaned = "".join(ch for ch in (name or "") if ch.isprintable()).strip()
    cleaned = cleaned.replace("/", "／").replace("\\", "＼")
    if not cleaned.strip("."):
        cleaned = _("未命名文件") + (f".{filetypes.extension(name)}" if filetypes.extension(name) else "")
    return cleaned[:400]


def ensure_can_edit(user: User, enrollment: Enrollment, point: str | None = None) -> None:
    """Permission first, then the write window (of the point `point` when the write goes to one): a refusal names
    the real reason, whatever the body."""
    if not permissions.can_edit_enrollment(user, enrollment):
        raise EvidenceError(_("没有权限修改该单位的材料。"), code="forbidden", status=403)
    ensure_writable(enrollment, point=point)


def _lock(enrollment: Enrollment) -> Enrollment:
    """The unit's row, locked until the transaction ends: every write to a unit's materials queues here."""
    return Enrollment.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=enrollment.pk)


def _lock_writable(enrollment: Enrollment, point: str | None = None) -> Enrollment:
    """Inside the transaction that writes: lock the unit's row and check the write window again.

    The check before the work (hashing, storing) only fails fast; this one decides, so a submit,
    deadline or return that lands meanwhile is honoured (submit takes the same lock).
    """
    locked = _lock(enrollment)
    ensure_writable(locked, point=point)
    return locked


def _checkpoint(enrollment: Enrollment, checkpoint_code: str) -> Checkpoint:
    checkpoint = Checkpoint.objects.filter(framework_id=enrollment.framework_id, code=checkpoint_code).first()
    if checkpoint is None:
        raise EvidenceError(_("考核点“%(c)s”不在该单位的清单中。") % {"c": checkpoint_code}, code="not_found", status=404)
    return checkpoint


def _response_for_update(enrollment: Enrollment, checkpoint: Checkpoint) -> Response:
    response, _created = Response.objects.get_or_create(enrollment=enrollment, checkpoint=checkpoint)
    # Lock the row: concurrent uploads to one point queue here (PostgreSQL; SQLite
    # already holds its single write lock for the whole transaction).
    return Response.objects.select_for_update().get(pk=response.pk)


def _save_response(response: Response, user: User, locked: Enrollment, request: HttpRequest | None = None) -> None:
    """Store a changed response with who changed it, and mark the unit (`locked`: its locked row) active."""
    response.updated_by, response.updated_at = user, timezone.now()
    response.save()
    touch_enrollment(locked, user=user, request=request)


# --- A point's status -------------------------------------------------------------------

# Every write of Response.status goes through change_response_status, which reads this table.
# 已退回 (RETURNED): a reviewer sent the point back for supplement (issue 10's return rounds). It is
# not answered (ANSWERED_STATUSES) until the unit answers it again — uploads a file, adds a link,
# saves a 说明 or marks it 不适用; deleting or restoring material leaves it returned, and a write that
# leaves it without any material keeps it returned rather than quietly turning it into 未填报.
RESPONSE_TRANSITIONS: dict[str, set[str]] = {
    ResponseStatus.EMPTY: {ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE, ResponseStatus.RETURNED},
    ResponseStatus.DONE: {ResponseStatus.EMPTY, ResponseStatus.NOT_APPLICABLE, ResponseStatus.RETURNED},
    ResponseStatus.NOT_APPLICABLE: {ResponseStatus.EMPTY, ResponseStatus.DONE, ResponseStatus.RETURNED},
    ResponseStatus.RETURNED: {ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE},
}


def change_response_status(response: Response, to: str, *, user: User | None = None, reason: str = "",
                           request: HttpRequest | None = None, **details: Any) -> Response:
    """Move a point to `to`: lock its row, check the table, write the status, audit, signal.

    Staying in the same status is no change (nothing recorded). `response` gets the new status;
    the caller saves its other fields (说明, who and when) itself.
    """
    with transaction.atomic():
        before = Response.objects.select_for_update().values_list("status", flat=True).get(pk=response.pk)
        if to == before:
            response.status = to
            return response
        if to not in RESPONSE_TRANSITIONS.get(before, ()):
            raise EvidenceError(
                _("考核点不能从“%(a)s”变为“%(b)s”。") % {"a": ResponseStatus(before).label, "b": ResponseStatus(to).label},
                code="invalid_transition", status=409,
            )
        response.status = to
        Response.objects.filter(pk=response.pk).update(status=to)
        enrollment = response.enrollment
        record("point_status", actor=user, request=request, obj=response, campaign=enrollment.campaign,
               unit=enrollment.unit, checkpoint=response.checkpoint.code, before_status=before, status=to,
               **({"reason": reason} if reason else {}), **details)
        response_status_changed.send(sender=Response, response=response, before=before, after=to, user=user,
                                     reason=reason)
    return response


def _has_material(response: Response) -> bool:
    return response.evidence.alive().exists() or bool(response.note.strip())


def _status_after_write(response: Response, *, answers: bool) -> str:
    """The status material decides: 已填报 with material or a 说明, else 未填报 (or still 已退回).

    `answers`: the write adds to the point (upload, link, 说明), so it answers a returned point.
    不适用 stays until the unit clears it through set_response.
    """
    current = response.status
    if current == ResponseStatus.NOT_APPLICABLE or (current == ResponseStatus.RETURNED and not answers):
        return current
    if _has_material(response):
        return ResponseStatus.DONE
    return ResponseStatus.RETURNED if current == ResponseStatus.RETURNED else ResponseStatus.EMPTY


def _refresh_status(response: Response, *, user: User | None, request: HttpRequest | None = None, answers: bool) -> None:
    change_response_status(response, _status_after_write(response, answers=answers), user=user, request=request)


def _digest(fileobj: IO[bytes]) -> tuple[str, int, int]:
    sha, crc, size = hashlib.sha256(), 0, 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(CHUNK), b""):
        sha.update(chunk)
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
    fileobj.seek(0)
    return sha.hexdigest(), crc, size


# Room for the multipart envelope around one file.
ENVELOPE_BYTES = 64 * 1024


def oversized_request_refusal(campaign: Campaign, content_length: int) -> EvidenceError | None:
    """A request body too large for any file this campaign accepts (checked on Content-Length, before reading)."""
    if content_length > campaign.max_file_bytes + ENVELOPE_BYTES:
        return EvidenceError(
            _("文件超过单个文件上限 %(m)s。") % {"m": _human(campaign.max_file_bytes)}, code="too_large", status=400
        )
    return None


def add_file(
    enrollment: Enrollment, checkpoint_code: str, upload: File, *, user: User, note: str = "", request: HttpRequest | None = None,
) -> tuple[Evidence, bool]:
    """Store one uploaded file as evidence. Returns (evidence, created); created is False for a duplicate."""
    ensure_can_edit(user, enrollment, checkpoint_code)
    checkpoint = _checkpoint(enrollment, checkpoint_code)
    campaign = enrollment.campaign
    name = display_name(upload.name)
    if upload.size == 0:
        raise EvidenceError(_("“%(n)s”是空文件，未上传。") % {"n": name}, code="empty_file")
    if upload.size > campaign.max_file_bytes:
        raise EvidenceError(
            _("“%(n)s”大小为 %(s)s，超过单个文件上限 %(m)s。") % {"n": name, "s": _human(upload.size), "m": _human(campaign.max_file_bytes)},
            code="too_large", status=400,
        )
    ext, problem = filetypes.identify(upload.name, upload)
    if problem == "type_not_allowed":
        raise EvidenceError(
            _("“%(n)s”的文件类型不允许上传。允许：PDF、OFD、Word、Excel、PowerPoint、WPS、JPG、PNG、TXT、ZIP、RAR、7z。") % {"n": name},
            code="type_not_allowed", status=400,
        )
    if problem == "content_mismatch":
        raise EvidenceError(
            _("“%(n)s”的内容与扩展名 .%(e)s 不符（可能是改了扩展名的其他文件），未上传。") % {"n": name, "e": ext},
            code="content_mismatch", status=400,
        )
    if problem == "too_many_entries":
        raise EvidenceError(
            _("“%(n)s”内含文件超过 %(m)s 个（或目录过大），不像正常的 .%(e)s 文档，未上传。")
            % {"n": name, "m": MAX_ENTRIES, "e": ext},
            code="too_many_entries", status=400,
        )
    sha256, crc32, size = _digest(upload)
    duplicate = Evidence.objects.alive().filter(response__enrollment=enrollment, response__checkpoint=checkpoint, sha256=sha256).first()
    if duplicate:
        return duplicate, False
    # The file goes to storage first under a generated name; if the database
    # refuses the record afterwards, the stored copy is removed again.
    stored = Evidence._meta.get_field("file").storage.save(f"evidence/{campaign.pk}/{enrollment.unit_id}/{uuid.uuid4().hex}.{ext}", upload)
    try:
        with transaction.atomic():
            locked = _lock_writable(enrollment, checkpoint_code)
            response = _response_for_update(enrollment, checkpoint)
            duplicate = response.evidence.alive().filter(sha256=sha256).first()
            if duplicate:
                discard_stored(stored)
                return duplicate, False
            grown = Enrollment.objects.filter(pk=enrollment.pk, bytes_used__lte=campaign.unit_quota_bytes - size).update(
                bytes_used=F("bytes_used") + size
            )
            if not grown:
                raise EvidenceError(
                    _("本单位材料总量将超过上限 %(m)s，未上传“%(n)s”。请删除不需要的文件或联系组织单位。")
                    % {"m": _human(campaign.unit_quota_bytes), "n": name},
                    code="quota_exceeded", status=400,
                )
            evidence = Evidence.objects.create(
                response=response, kind=EvidenceKind.FILE, file=stored, filename=name, file_type=ext,
                size=size, sha256=sha256, crc32=crc32, note=(note or "").strip(), uploaded_by=user,
            )
            _refresh_status(response, user=user, request=request, answers=True)
            _save_response(response, user, locked, request)
            record("upload", actor=user, request=request, obj=evidence, campaign=campaign, unit=enrollment.unit,
                   checkpoint=checkpoint.code, filename=name, size=size, sha256=sha256)
    except BaseException:
        # The transaction rolled back, so no row names the file; removing it must not need the
        # database, which may be the very thing that failed (a full disk).
        discard_stored(stored)
        raise
    return evidence, True


def clean_url(url: str, *, max_length: int = 2000) -> str:
    """The one rule for a web address a person gives as material (evidence, objections, rectification):
    http(s) only, so no javascript: or data: address ever becomes a link on a page."""
    url = (url or "").strip()
    if url and "://" not in url and "." in url.split("/", 1)[0]:
        url = "http://" + url  # a pasted address like www.example.gov.cn/zwgk/
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > max_length or any(c.isspace() for c in url):
        raise EvidenceError(_("网址无效：请填写以 http:// 或 https:// 开头的完整网址。"), code="invalid_url")
    return url


def add_link(
    enrollment: Enrollment, checkpoint_code: str, url: str, *, user: User, note: str = "", request: HttpRequest | None = None,
) -> tuple[Evidence, bool]:
    ensure_can_edit(user, enrollment, checkpoint_code)
    checkpoint = _checkpoint(enrollment, checkpoint_code)
    url = clean_url(url)
    with transaction.atomic():
        locked = _lock_writable(enrollment, checkpoint_code)
        response = _response_for_update(enrollment, checkpoint)
        existing = response.evidence.alive().filter(kind=EvidenceKind.LINK, url=url).first()
        if existing:
            return existing, False
        evidence = Evidence.objects.create(response=response, kind=EvidenceKind.LINK, url=url, filename="",
                                           note=(note or "").strip(), uploaded_by=user)
        _refresh_status(response, user=user, request=request, answers=True)
        _save_response(response, user, locked, request)
        record("link", actor=user, request=request, obj=evidence, campaign=enrollment.campaign, unit=enrollment.unit,
               checkpoint=checkpoint.code, url=url)
    return evidence, True


def set_response(
    enrollment: Enrollment, checkpoint_code: str, *, status: str, note: str = "", user: User, request: HttpRequest | None = None,
) -> Response:
    """Write the 说明, or mark the point 不适用 (a reason is required), or clear that mark."""
    ensure_can_edit(user, enrollment, checkpoint_code)
    checkpoint = _checkpoint(enrollment, checkpoint_code)
    note = (note or "").strip()
    if status not in (ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE, ResponseStatus.EMPTY):
        raise EvidenceError(_("状态只能是 done 或 not_applicable。"), code="invalid_status")
    if status == ResponseStatus.NOT_APPLICABLE and not note:
        raise EvidenceError(_("标记“不适用”时必须填写理由。"), code="reason_required")
    with transaction.atomic():
        locked = _lock_writable(enrollment, checkpoint_code)
        response = _response_for_update(enrollment, checkpoint)
        before = (response.status, response.note)
        response.note = note
        if status == ResponseStatus.NOT_APPLICABLE:
            target = ResponseStatus.NOT_APPLICABLE
        elif _has_material(response):
            target = ResponseStatus.DONE
        elif status == ResponseStatus.DONE:
            raise EvidenceError(_("请先上传材料、添加链接或填写说明。"), code="nothing_to_submit")
        else:
            target = ResponseStatus.RETURNED if response.status == ResponseStatus.RETURNED else ResponseStatus.EMPTY
        change_response_status(response, target, user=user, request=request)
        _save_response(response, user, locked, request)
        action = "not_applicable" if response.status == ResponseStatus.NOT_APPLICABLE else "note"
        record(action, actor=user, request=request, obj=response, campaign=enrollment.campaign, unit=enrollment.unit,
               checkpoint=checkpoint.code, status=response.status, note=note, before_status=before[0], before_note=before[1])
    return response


def delete(evidence: Evidence, *, user: User, request: HttpRequest | None = None) -> Evidence:
    enrollment = evidence.response.enrollment
    point = evidence.response.checkpoint.code
    ensure_can_edit(user, enrollment, point)
    if evidence.deleted_at:
        return evidence
    with transaction.atomic():
        locked = _lock_writable(enrollment, point)
        response = Response.objects.select_for_update().get(pk=evidence.response_id)
        evidence.refresh_from_db(fields=["deleted_at"])
        if evidence.deleted_at:
            return evidence
        evidence.deleted_at, evidence.deleted_by = timezone.now(), user
        evidence.save(update_fields=["deleted_at", "deleted_by"])
        if evidence.kind == EvidenceKind.FILE:
            Enrollment.objects.filter(pk=enrollment.pk).update(bytes_used=F("bytes_used") - evidence.size)
        _refresh_status(response, user=user, request=request, answers=False)
        _save_response(response, user, locked, request)
        record("delete", actor=user, request=request, obj=evidence, campaign=enrollment.campaign, unit=enrollment.unit,
               checkpoint=response.checkpoint.code, filename=evidence.filename or evidence.url)
    return evidence


def restore(evidence: Evidence, *, user: User, request: HttpRequest | None = None) -> Evidence:
    if not permissions.can_view_deleted_evidence(user):
        raise EvidenceError(_("只有组织单位可以恢复已删除的材料。"), code="forbidden", status=403)
    if not evidence.deleted_at:
        return evidence
    enrollment = evidence.response.enrollment
    with transaction.atomic():
        _lock(enrollment)  # no write window for the organizer's restore, but serialised with the unit's writers
        response = Response.objects.select_for_update().get(pk=evidence.response_id)
        evidence.refresh_from_db(fields=["deleted_at"])
        if not evidence.deleted_at:
            return evidence
        evidence.deleted_at, evidence.deleted_by = None, None
        evidence.save(update_fields=["deleted_at", "deleted_by"])
        if evidence.kind == EvidenceKind.FILE:
            Enrollment.objects.filter(pk=enrollment.pk).update(bytes_used=F("bytes_used") + evidence.size)
        _refresh_status(response, user=user, request=request, answers=False)
        # A new revision for the workspace's cell (it ignores answers older than what it shows).
        response.updated_by, response.updated_at = user, timezone.now()
        response.save(update_fields=["updated_by", "updated_at"])
        record("restore", actor=user, request=request, obj=evidence, campaign=enrollment.campaign, unit=enrollment.unit,
               checkpoint=response.checkpoint.code, filename=evidence.filename or evidence.url)
    return evidence


# The submit page's and the submit refusal's list (kept under its old name for callers).
empty_points = unanswered_points


def submit(enrollment: Enrollment, *, user: User, acknowledge_incomplete: bool = False, request: HttpRequest | None = None) -> list[Checkpoint]:
    """确认报送: lock the workspace. Returns the points left empty.

    With points still empty the submitter must say so (acknowledge_incomplete): otherwise a refusal
    `incomplete_submission` lists them. The count is counted under the lock, so it is what was sent.
    """
    ensure_can_edit(user, enrollment)
    with transaction.atomic():
        locked = _lock(enrollment)
        if locked.state == EnrollmentState.SUBMITTED:
            raise EvidenceError(_("已经报送过了。"), code="submitted", status=409)
        ensure_writable(locked)
        empty = empty_points(locked)
        if empty and not acknowledge_incomplete:
            raise EvidenceError(
                _("还有 %(n)d 个考核点没有填报。如确需报送，请勾选“我已知晓以下 %(n)d 个考核点尚未填报，仍然报送”。") % {"n": len(empty)},
                code="incomplete_submission", status=409, empty_points=[cp.code for cp in empty],
            )
        change_enrollment_state(locked, EnrollmentState.SUBMITTED, user=user, request=request,
                                empty_count=len(empty), empty_points=[cp.code for cp in empty])
    enrollment.refresh_from_db()
    return empty


@dataclass(frozen=True)
class PointEntry:
    """One point of a unit's checklist with what the unit gave for it."""

    point: PointNode
    response: Response | None
    evidence_list: list[Evidence]

    @property
    def code(self) -> str:
        return self.point.code

    @property
    def status(self) -> str:
        return self.response.status if self.response else ResponseStatus.EMPTY

    @property
    def note(self) -> str:
        return self.response.note if self.response else ""


@dataclass(frozen=True)
class Checklist:
    tree: Tree
    points: dict[str, PointEntry]  # by point code, in walk order
    counts: dict[Node, tuple[int, int]]  # (answered, total) points under every node, from Tree.roll_up

    @property
    def progress(self) -> dict[str, int]:
        # The one count (selectors): the same numbers as the dashboard, the matrix and the API.
        statuses = [entry.status for entry in self.points.values()]
        return progress_of_statuses(statuses, len(statuses)).as_dict()


def checklist(enrollment: Enrollment, *, include_deleted: bool = False) -> Checklist:
    """The unit's checklist: the framework's tree with each point's response and evidence (four queries)."""
    tree = load_tree(enrollment.framework)
    responses: dict[int | None, Response] = {r.checkpoint_id: r for r in Response.objects.filter(enrollment=enrollment)}
    evidence_qs = Evidence.objects.filter(response__enrollment=enrollment).select_related("uploaded_by", "deleted_by")
    if not include_deleted:
        evidence_qs = evidence_qs.alive()
    by_response: dict[int, list[Evidence]] = {}
    for item in evidence_qs.order_by("uploaded_at", "id"):
        by_response.setdefault(item.response_id, []).append(item)
    points = {}
    for cp in tree.points():
        response = responses.get(cp.pk)
        points[cp.code] = PointEntry(cp, response, by_response.get(response.pk, []) if response else [])
    counts = tree.roll_up(
        lambda cp: (int(is_answered(points[cp.code].status)), 1),
        lambda _ind, below: (sum(v[0] for _n, v in below), sum(v[1] for _n, v in below)),
    )
    return Checklist(tree=tree, points=points, counts=counts)
