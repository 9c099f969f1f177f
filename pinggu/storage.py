"""Stored files on either backend: the data directory (FileSystemStorage) or S3-compatible object storage.

Everything that reads or serves a stored file goes through these helpers, so no caller assumes a
local path or a seekable local file. On S3, django-storages' file object downloads the whole
object into a temporary file before the first read; the readers here ask S3 for exactly the
bytes they send (a ranged GET streamed in chunks) instead.
"""

import io
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.http import content_disposition_header
from typing_extensions import TypeIs

CHUNK = 256 * 1024


def is_local(storage: Storage) -> bool:
    return isinstance(storage, FileSystemStorage)


def is_s3(storage: Storage) -> TypeIs[Any]:
    """Narrows to django-storages' S3Storage (untyped, so Any) for the S3-only attributes below."""
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage)


def read_range(storage: Storage, name: str, start: int = 0, length: int | None = None, chunk: int = CHUNK) -> Iterator[bytes]:
    """The stored bytes from `start`, `length` of them (all when None), in chunks; never the whole object in memory."""
    if length is not None and length <= 0:
        return
    if is_s3(storage):
        last = "" if length is None else str(start + length - 1)
        if start == 0 and length is None:
            body = storage.bucket.Object(storage._normalize_name(name)).get()["Body"]
        else:
            body = storage.bucket.Object(storage._normalize_name(name)).get(Range=f"bytes={start}-{last}")["Body"]
        try:
            yield from body.iter_chunks(chunk)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as fh:
        if start:
            fh.seek(start)
        remaining = length
        while remaining is None or remaining > 0:
            block = fh.read(chunk if remaining is None else min(chunk, remaining))
            if not block:
                return
            if remaining is not None:
                remaining -= len(block)
            yield block


def read_head(storage: Storage, name: str, size: int = 1024) -> bytes:
    """The first `size` bytes (to sniff a type) with one small read, not a download of the object."""
    return b"".join(read_range(storage, name, 0, size))


def presigns(storage: Storage) -> bool:
    """Whether downloads are sent as a redirect to a short-lived presigned URL (S3 with PINGGU_S3_PRESIGN on)."""
    return is_s3(storage) and settings.S3_PRESIGN


def presigned_url(storage: Storage, name: str, *, filename: str, content_type: str, attachment: bool = True) -> str:
    """A URL that lets whoever holds it GET this one object for S3_PRESIGN_SECONDS, with our headers on the response."""
    assert is_s3(storage)
    return storage.url(name, parameters={
        "ResponseContentDisposition": content_disposition_header(attachment, filename),
        "ResponseContentType": content_type,
    }, expire=settings.S3_PRESIGN_SECONDS)


def accel_redirect(storage: Storage, name: str) -> str | None:
    """The internal nginx location to send this local file from (PINGGU_SENDFILE=nginx), else None."""
    if settings.SENDFILE != "nginx" or not is_local(storage):
        return None
    from urllib.parse import quote

    return settings.SENDFILE_URL.rstrip("/") + "/" + quote(name)


def ensure_bucket(storage: Storage) -> bool:
    """Create the configured bucket when it does not exist; True when it was created. Nothing to do on local disk."""
    if not is_s3(storage):
        return False
    from botocore.exceptions import ClientError

    client = storage.connection.meta.client
    try:
        client.head_bucket(Bucket=storage.bucket_name)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
            raise
    region = storage.region_name
    if region and region != "us-east-1":
        client.create_bucket(Bucket=storage.bucket_name, CreateBucketConfiguration={"LocationConstraint": region})
    else:
        client.create_bucket(Bucket=storage.bucket_name)
    return True


class _RangedObject(io.RawIOBase):
    """A read-only, seekable view of an S3 object where each read is one ranged GET of just those bytes."""

    def __init__(self, storage, name):
        self._object = storage.bucket.Object(storage._normalize_name(name))
        self._size = self._object.content_length
        self._pos = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer):
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        body = self._object.get(Range=f"bytes={self._pos}-{self._pos + want - 1}")["Body"]
        data = body.read()
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)


def open_seekable(storage: Storage, name: str):
    """A seekable binary file for readers that jump around (a ZIP directory at the end); on S3 reads are ranged GETs."""
    if is_s3(storage):
        return io.BufferedReader(_RangedObject(storage, name), buffer_size=64 * 1024)
    return storage.open(name, "rb")
