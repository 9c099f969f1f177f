"""Upload handlers that compute SHA-256 and CRC-32 while a multipart file arrives.

Each byte is then read once: services.add_file takes the digests from the uploaded file
(`pinggu_digests`) instead of reading the temporary file a second time.
"""

import hashlib
import zlib

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler


class _Hashing:
    """Hashes the chunks of the file this handler keeps; passes other handlers' data through untouched."""

    def _keeps(self) -> bool:
        return True

    def new_file(self, *args, **kwargs):
        # Before super(): the memory handler's new_file ends the chain by raising StopFutureHandlers.
        self._sha, self._crc, self._size = hashlib.sha256(), 0, 0
        super().new_file(*args, **kwargs)  # type: ignore[misc]

    def receive_data_chunk(self, raw_data, start):
        if self._keeps():
            self._sha.update(raw_data)
            self._crc = zlib.crc32(raw_data, self._crc)
            self._size += len(raw_data)
        return super().receive_data_chunk(raw_data, start)  # type: ignore[misc]

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)  # type: ignore[misc]
        if uploaded is not None and self._size == file_size:
            uploaded.pinggu_digests = (self._sha.hexdigest(), self._crc, self._size)  # type: ignore[attr-defined]
        return uploaded


class HashingMemoryFileUploadHandler(_Hashing, MemoryFileUploadHandler):
    def _keeps(self) -> bool:
        # Only when the whole request fits in memory does this handler keep the file; otherwise the next does.
        return bool(getattr(self, "activated", False))


class HashingTemporaryFileUploadHandler(_Hashing, TemporaryFileUploadHandler):
    pass
