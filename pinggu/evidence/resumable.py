"""Resumable uploads: the rules behind the tus 1.0.0 endpoints (core, creation, termination, checksum, expiration).

A large file arrives in PATCH requests appended to a partial file, UPLOADS_DIR/<id>. Each byte is
read once: SHA-256 and CRC-32 are updated as the bytes are written. When the last byte is on disk the
file is verified (the client's SHA-256, when it sent one) and handed to services.add_file, the one
path of every upload, with its digests: the type check, size and quota rules, duplicate detection and
audit are those of a plain upload. Until then nothing of it is evidence.

Crash safety: the partial file is fsync'ed before the row's `offset` advances, so the offset never
claims bytes that are not on disk; bytes written past the offset by a request that died are cut off
by the next PATCH, which the client sends from the offset HEAD reports.

SHA-256 cannot be resumed from a stored value (hashlib's state is not serialisable), so its state is
kept in this process, keyed by upload and offset. A PATCH that arrives in a process without that
state — after a restart, or on another app server sharing UPLOADS_DIR — re-hashes the stored prefix
once and carries on from there. CRC-32 resumes from its stored value.
"""

import base64
import binascii
import fcntl
import hashlib
import logging
import os
import re
import secrets
import threading
import time
import zlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.http import HttpRequest, UnreadablePostError
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts.models import User
from pinggu.campaigns.models import Enrollment
from pinggu.errors import DomainError

from . import filetypes, services
from .models import Evidence, Upload

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
CHECKSUMS: dict[str, Callable[[], Any]] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}
READ_CHUNK = 256 * 1024
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")


class UploadError(DomainError):
    pass


def partial_path(upload: Upload) -> Path:
    return Path(settings.UPLOADS_DIR) / upload.id


# --- SHA-256 state held by this process --------------------------------------------------

_hashers: dict[str, tuple[int, Any]] = {}
_hashers_lock = threading.Lock()


def _remember(upload_id: str, offset: int, sha: Any) -> None:
    with _hashers_lock:
        _hashers[upload_id] = (offset, sha.copy())


def _forget(upload_id: str) -> None:
    with _hashers_lock:
        _hashers.pop(upload_id, None)


def forget_all() -> None:
    """Drop every SHA-256 state, as a process that just started has none (tests use it for the restart path)."""
    with _hashers_lock:
        _hashers.clear()


def _sha_at(upload_id: str, fh: IO[bytes], offset: int) -> Any:
    """SHA-256 of the first `offset` bytes: the state this process kept, else one pass over the stored prefix."""
    with _hashers_lock:
        kept = _hashers.get(upload_id)
    if kept is not None and kept[0] == offset:
        return kept[1].copy()
    # Another process (or this one before a restart) wrote the prefix: read it once.
    sha = hashlib.sha256()
    fh.seek(0)
    remaining = offset
    while remaining > 0:
        block = fh.read(min(READ_CHUNK, remaining))
        if not block:
            break
        sha.update(block)
        remaining -= len(block)
    return sha


# --- Creation ---------------------------------------------------------------------------

def parse_metadata(header: str) -> dict[str, str]:
    """tus Upload-Metadata: comma-separated `key base64value` pairs (a key may come without a value)."""
    result: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _sep, value = pair.partition(" ")
        try:
            result[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value.strip() else ""
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise UploadError(_("Upload-Metadata 中“%(k)s”的值不是有效的 base64 编码文本。") % {"k": key[:40]},
                              code="invalid_metadata") from None
    return result


def _refuse_early(enrollment: Enrollment, name: str, filename: str, length: int) -> None:
    """The rules add_file applies at the end, checked before any byte is sent (add_file decides again)."""
    campaign = enrollment.campaign
    services.check_size(campaign, name, length)
    if filetypes.extension(filename) not in filetypes.ALLOWED_EXTENSIONS:
        raise services.type_not_allowed(name)
    if enrollment.bytes_used + length > campaign.unit_quota_bytes:
        raise services.quota_exceeded(campaign, name)


def create(enrollment: Enrollment, checkpoint_code: str, *, user: User, length: int, metadata: dict[str, str]) -> Upload:
    """A new empty upload of `length` bytes to the point, after the checks a plain upload of that file would meet."""
    services.ensure_can_edit(user, enrollment, checkpoint_code)
    checkpoint = services.checkpoint_of(enrollment, checkpoint_code)
    filename = metadata.get("filename", "")
    if not filename.strip():
        raise UploadError(_("请在 Upload-Metadata 中给出文件名（filename）。"), code="filename_required")
    expected = (metadata.get("sha256") or "").strip().lower()
    if expected and not _SHA256_HEX.match(expected):
        raise UploadError(_("sha256 应为 64 位十六进制的 SHA-256 值。"), code="invalid_metadata")
    note = (metadata.get("note") or "").strip()
    if len(note) > 2000:
        raise UploadError(_("备注最多 2000 个字符。"), code="invalid_metadata")
    _refuse_early(enrollment, services.display_name(filename), filename, length)
    now = timezone.now()
    if Upload.objects.filter(owner=user, completed_at__isnull=True, expires_at__gt=now).count() >= settings.UPLOADS_PER_USER:
        raise UploadError(_("未完成的上传过多（上限 %(n)d 个），请先完成或取消其中一些。") % {"n": settings.UPLOADS_PER_USER},
                          code="too_many_uploads", status=429)
    upload = Upload(id=secrets.token_hex(16), enrollment=enrollment, checkpoint=checkpoint, owner=user,
                    filename=filename[:400], note=note, length=length, expected_sha256=expected,
                    expires_at=now + settings.UPLOAD_EXPIRY)
    Path(settings.UPLOADS_DIR).mkdir(parents=True, exist_ok=True)
    os.close(os.open(partial_path(upload), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        upload.save(force_insert=True)
    except BaseException:
        partial_path(upload).unlink(missing_ok=True)
        raise
    return upload


# --- Lookup and offset ----------------------------------------------------------------------

def find(user: User, upload_id: str) -> Upload:
    """The user's own upload (404 for anyone else's, an expired or a terminated one)."""
    upload = None
    if UPLOAD_ID.match(upload_id or ""):
        upload = (Upload.objects.select_related("enrollment__campaign", "enrollment__unit", "checkpoint")
                  .filter(pk=upload_id, owner=user).first())
    if upload is None or (upload.completed_at is None and upload.expires_at <= timezone.now()):
        raise UploadError(_("找不到该上传（可能已过期或已取消），请重新上传。"), code="not_found", status=404)
    return upload


def _restart(upload: Upload) -> None:
    """The partial file was lost (or is shorter than the row says): the upload starts again from 0."""
    log.warning("上传 %s 的临时文件缺失或不完整，从头开始", upload.id)
    Upload.objects.filter(pk=upload.pk).update(offset=0, crc32=0)
    upload.offset, upload.crc32 = 0, 0
    _forget(upload.id)


def current_offset(upload: Upload) -> int:
    """What HEAD reports: the stored offset, unless the bytes it counts are no longer on disk."""
    if upload.completed_at is not None:
        return upload.length
    try:
        size = partial_path(upload).stat().st_size
    except FileNotFoundError:
        size = -1
    if size < upload.offset:
        _restart(upload)
        if size < 0:
            os.close(os.open(partial_path(upload), os.O_WRONLY | os.O_CREAT, 0o600))
    return upload.offset


# --- Appending --------------------------------------------------------------------------

def _checksum(header: str) -> tuple[str, bytes, Any] | None:
    """tus checksum extension: `Upload-Checksum: <algorithm> <base64 digest>` of this PATCH's bytes."""
    if not header:
        return None
    algorithm, _sep, value = header.strip().partition(" ")
    if algorithm.lower() not in CHECKSUMS:
        raise UploadError(_("不支持的校验算法“%(a)s”，可用：%(l)s。") % {"a": algorithm[:20], "l": ", ".join(CHECKSUMS)},
                          code="checksum_unsupported")
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise UploadError(_("Upload-Checksum 的值不是有效的 base64。"), code="invalid_checksum") from None
    return algorithm.lower(), digest, CHECKSUMS[algorithm.lower()]()


def append(upload: Upload, stream: IO[bytes], *, offset: int, content_length: int, checksum: str = "",
           user: User, request: HttpRequest | None = None) -> Upload:
    """Append up to `content_length` bytes read from `stream` at `offset`; complete the upload after its last byte.

    A connection that breaks midway keeps what arrived (the client resumes from the new offset),
    unless the request carried a checksum, which can then not be verified.
    """
    services.ensure_can_edit(user, upload.enrollment, upload.checkpoint.code)
    wanted = _checksum(checksum)
    if content_length > settings.UPLOAD_CHUNK_BYTES:
        raise UploadError(_("单次上传的数据块过大（上限 %(mb)d MB）。") % {"mb": settings.UPLOAD_CHUNK_BYTES // 1024 // 1024},
                          code="chunk_too_large", status=413)
    if upload.completed_at is not None:
        if offset == upload.length and content_length == 0:
            return upload  # a client repeating the last request after losing its answer
        raise UploadError(_("该上传已完成。"), code="offset_mismatch", status=409, offset=upload.length)
    current_offset(upload)  # a lost partial file resets the offset before it is compared
    try:
        fh = open(partial_path(upload), "r+b")
    except FileNotFoundError:
        raise UploadError(_("找不到该上传（可能已过期或已取消），请重新上传。"), code="not_found", status=404) from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadError(_("该文件正在由另一个请求上传，请稍后再试。"), code="upload_locked", status=423) from None
        upload.refresh_from_db(fields=["offset", "crc32", "completed_at", "evidence", "duplicate"])
        if upload.completed_at is not None and offset == upload.length and content_length == 0:
            return upload
        if os.fstat(fh.fileno()).st_size < upload.offset:
            _restart(upload)
        if offset != upload.offset or upload.completed_at is not None:
            raise UploadError(_("上传位置不一致：服务器已有 %(o)d 字节，请从该位置继续。") % {"o": upload.offset},
                              code="offset_mismatch", status=409, offset=upload.offset)
        if offset + content_length > upload.length:
            raise UploadError(_("数据超出了创建上传时声明的文件大小。"), code="exceeds_length")
        fh.truncate(upload.offset)  # bytes a killed request wrote past the stored offset
        sha = _sha_at(upload.id, fh, upload.offset)
        fh.seek(upload.offset)
        crc = upload.crc32
        received = 0
        while received < content_length:
            try:
                block = stream.read(min(READ_CHUNK, content_length - received))
            except (OSError, UnreadablePostError) as exc:
                log.info("上传 %s 的连接中断（已收到本次 %d 字节）：%s", upload.id, received, exc)
                break
            if not block:
                break
            try:
                fh.write(block)
            except OSError:
                fh.truncate(upload.offset)
                raise
            sha.update(block)
            crc = zlib.crc32(block, crc)
            if wanted is not None:
                wanted[2].update(block)
            received += len(block)
        if wanted is not None and (received != content_length or wanted[2].digest() != wanted[1]):
            fh.truncate(upload.offset)
            raise UploadError(_("本次上传的数据校验失败，请重新发送该数据块。"), code="checksum_mismatch", status=460)
        fh.flush()
        os.fsync(fh.fileno())  # on disk before the offset says so
        new_offset = upload.offset + received
        if received:
            Upload.objects.filter(pk=upload.pk, offset=upload.offset).update(
                offset=new_offset, crc32=crc, expires_at=timezone.now() + settings.UPLOAD_EXPIRY)
            upload.offset, upload.crc32 = new_offset, crc
            _remember(upload.id, new_offset, sha)
        if upload.offset == upload.length:
            _complete(upload, fh, sha, user=user, request=request)
    return upload


def finish_pending(upload: Upload, *, user: User, request: HttpRequest | None = None) -> Upload:
    """Complete an upload whose bytes are all stored but which is not evidence yet.

    That happens when the process died (or add_file failed on a passing error) after the last
    byte was fsync'ed. A tus client that finds Upload-Offset equal to Upload-Length sends no more
    PATCH, so HEAD calls this: the upload finishes on the client's next look at it.
    """
    if upload.completed_at is not None or current_offset(upload) != upload.length:
        return upload
    services.ensure_can_edit(user, upload.enrollment, upload.checkpoint.code)
    try:
        fh = open(partial_path(upload), "rb")
    except FileNotFoundError:
        return upload
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return upload  # the PATCH that holds it completes it
        upload.refresh_from_db(fields=["offset", "crc32", "completed_at", "evidence", "duplicate"])
        if upload.completed_at is None and upload.offset == upload.length:
            _complete(upload, fh, _sha_at(upload.id, fh, upload.offset), user=user, request=request)
    return upload


class _CompleteFile(File):
    """The finished partial file, with the digests computed while it arrived.

    `temporary_file_path` lets the local storage move it into place (a rename on the same disk).
    """

    def __init__(self, fh: IO[bytes], path: Path, name: str, digests: tuple[str, int, int]):
        super().__init__(fh, name=name)
        self._path = path
        self.pinggu_digests = digests

    def temporary_file_path(self) -> str:
        return str(self._path)


def _complete(upload: Upload, fh: IO[bytes], sha: Any, *, user: User, request: HttpRequest | None) -> None:
    digest = sha.hexdigest()
    if upload.expected_sha256 and digest != upload.expected_sha256:
        _discard(upload)
        raise UploadError(_("文件校验失败：收到内容的 SHA-256 与客户端给出的不一致，请重新上传。"),
                          code="checksum_mismatch", status=460, sha256=digest)
    path = partial_path(upload)
    fh.seek(0)
    try:
        evidence, created = services.add_file(
            upload.enrollment, upload.checkpoint.code, _CompleteFile(fh, path, upload.filename, (digest, upload.crc32, upload.length)),
            user=user, note=upload.note, request=request,
        )
    except DomainError:
        # Refused by the rules (type, quota, write window): the bytes can never become evidence.
        _discard(upload)
        raise
    # The row after the evidence: a crash between the two leaves the evidence and this upload at
    # its full offset with the partial file moved away, so the client starts over and the same
    # bytes are then found a duplicate of that evidence. Nothing is lost or counted twice.
    Upload.objects.filter(pk=upload.pk).update(completed_at=timezone.now(), evidence=evidence, duplicate=not created,
                                               expires_at=timezone.now() + settings.UPLOAD_EXPIRY)
    upload.completed_at, upload.evidence, upload.duplicate = timezone.now(), evidence, not created
    path.unlink(missing_ok=True)  # a duplicate, or a copy sent to object storage
    _forget(upload.id)


def evidence_of(upload: Upload) -> Evidence | None:
    return upload.evidence if upload.completed_at is not None else None


# --- Termination and sweeping -------------------------------------------------------------------

def _discard(upload: Upload) -> None:
    partial_path(upload).unlink(missing_ok=True)
    Upload.objects.filter(pk=upload.pk).delete()
    _forget(upload.id)


def terminate(upload: Upload) -> None:
    """tus termination: the partial bytes and the upload go; a finished upload's evidence stays."""
    _discard(upload)


def sweep_uploads(max_age: timedelta | None = None) -> list[str]:
    """Remove expired uploads and partial files without a row (older than `max_age`); return their ids."""
    removed: list[str] = []
    now = timezone.now()
    for upload in Upload.objects.filter(expires_at__lt=now):
        path = partial_path(upload)
        try:
            with open(path, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # not while a PATCH is writing it
                path.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        except BlockingIOError:
            continue
        Upload.objects.filter(pk=upload.pk, expires_at__lt=now).delete()
        _forget(upload.id)
        removed.append(upload.id)
    cutoff = time.time() - (max_age or settings.TEMP_FILE_MAX_AGE).total_seconds()
    directory = Path(settings.UPLOADS_DIR)
    if directory.is_dir():
        stale = {p.name: p for p in directory.iterdir() if p.is_file() and UPLOAD_ID.match(p.name) and p.stat().st_mtime < cutoff}
        known = set(Upload.objects.filter(pk__in=list(stale)).values_list("pk", flat=True))
        for name, path in stale.items():
            if name not in known:
                path.unlink(missing_ok=True)
                removed.append(name)
    if removed:
        log.warning("已清理过期或遗留的断点续传上传：%s", ", ".join(removed))
    return removed
