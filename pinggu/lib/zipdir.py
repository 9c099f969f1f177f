"""What a ZIP file's directory says, read without unpacking anything and without reading more than a bound.

Office (docx/xlsx/pptx, WPS) and OFD documents are ZIP packages. zipfile builds an object per
directory entry before it can answer anything, so a hostile package of two million entries
costs seconds and hundreds of megabytes; this reads the end record, refuses an outsized
directory, and walks the rest with struct.
"""

import struct
from dataclasses import dataclass
from typing import BinaryIO

# The directory of a genuine Word, Excel, PowerPoint or OFD package lists tens
# to a few thousand parts; reading more would let one upload cost seconds and
# hundreds of megabytes (zipfile builds an object per entry).
MAX_ENTRIES = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
# One deflate stream cannot expand more than about 1032:1, so a package that
# declares more than this relative to its own size has overlapping or lying entries.
SUSPICIOUS_RATIO = 1000

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_MAX_COMMENT = 0xFFFF
_UTF8_NAMES = 0x800


class TooManyEntries(Exception):
    """The package's directory is larger than any genuine document's; it is not read."""


@dataclass(frozen=True)
class PackageSummary:
    names: frozenset[str]
    declared_size: int  # the sum of the entries' uncompressed sizes, as the directory claims
    file_size: int

    @property
    def ratio(self) -> float:
        # The file's own size, not the declared compressed sizes: those can lie as easily.
        return self.declared_size / max(self.file_size, 1)

    @property
    def suspicious_ratio(self) -> bool:
        return self.ratio > SUSPICIOUS_RATIO


def _read_at(fileobj: BinaryIO, offset: int, size: int) -> bytes:
    fileobj.seek(offset)
    return fileobj.read(size)


def _directory_bounds(fileobj: BinaryIO, file_size: int) -> tuple[int, int, int] | None:
    """(entry count, directory start, directory size) from the end records, or None when there are none."""
    tail_start = max(0, file_size - _EOCD.size - _MAX_COMMENT)
    tail = _read_at(fileobj, tail_start, file_size - tail_start)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        return None
    _, disk, cd_disk, _, count, cd_size, _, _ = _EOCD.unpack_from(tail, pos)
    end = tail_start + pos
    locator_at = end - _ZIP64_LOCATOR.size
    if locator_at >= _ZIP64_EOCD.size:
        locator = _read_at(fileobj, locator_at, _ZIP64_LOCATOR.size)
        if locator[:4] == b"PK\x06\x07":
            if _ZIP64_LOCATOR.unpack(locator)[3] > 1:
                return None  # spans several disks
            end = locator_at - _ZIP64_EOCD.size
            record = _read_at(fileobj, end, _ZIP64_EOCD.size)
            if record[:4] != b"PK\x06\x06":
                return None
            _, _, _, _, disk, cd_disk, _, count, cd_size, _ = _ZIP64_EOCD.unpack(record)
    if disk or cd_disk:
        return None
    if count > MAX_ENTRIES or cd_size > MAX_DIRECTORY_BYTES:
        raise TooManyEntries
    # Measured back from the end record, as zipfile does, so data prepended to the archive is tolerated.
    if end - cd_size < 0:
        return None
    return count, end - cd_size, cd_size


def _zip64_size(extra: bytes) -> int | None:
    at = 0
    while at + 4 <= len(extra):
        kind, length = struct.unpack_from("<2H", extra, at)
        if kind == 1 and length >= 8:
            return struct.unpack_from("<Q", extra, at + 4)[0]
        at += 4 + length
    return None


def inspect_package(fileobj: BinaryIO) -> PackageSummary | None:
    """What a ZIP package's directory says, read without unpacking anything; None when it is not a ZIP.

    Raises TooManyEntries rather than read a directory of more than MAX_ENTRIES
    entries or MAX_DIRECTORY_BYTES bytes.
    """
    try:
        file_size = fileobj.seek(0, 2)
        bounds = _directory_bounds(fileobj, file_size)
        if bounds is None:
            return None
        _, start, size = bounds
        directory = _read_at(fileobj, start, size)
        if len(directory) != size:
            return None
        names, entries, declared, at = set(), 0, 0, 0
        while at < size:
            if size - at < _CENTRAL.size or directory[at:at + 4] != b"PK\x01\x02":
                return None
            fields = _CENTRAL.unpack_from(directory, at)
            flags, uncompressed, name_len, extra_len, comment_len = fields[5], fields[11], fields[12], fields[13], fields[14]
            name_at = at + _CENTRAL.size
            at = name_at + name_len + extra_len + comment_len
            if at > size:
                return None
            entries += 1
            if entries > MAX_ENTRIES:
                raise TooManyEntries  # the end record understated the count
            name = directory[name_at:name_at + name_len].decode("utf-8" if flags & _UTF8_NAMES else "cp437", "replace")
            names.add(name)
            if uncompressed == 0xFFFFFFFF:
                uncompressed = _zip64_size(directory[name_at + name_len:name_at + name_len + extra_len]) or uncompressed
            declared += uncompressed
        return PackageSummary(names=frozenset(names), declared_size=declared, file_size=file_size)
    except (OSError, ValueError, struct.error):
        return None
    finally:
        fileobj.seek(0)


def declares_more_than(fileobj: BinaryIO, limit: int) -> bool:
    """Whether a ZIP package would unpack to more than `limit` bytes (or lists too many entries to say)."""
    try:
        package = inspect_package(fileobj)
    except TooManyEntries:
        return True
    return package is not None and package.declared_size > limit
