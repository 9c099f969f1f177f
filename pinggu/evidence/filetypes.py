"""Which uploads are accepted: decided by content, not only by the extension.

An allow-list of the formats government offices exchange. For each extension
the file's leading bytes (and, for Office/OFD packages, the ZIP directory)
must match; anything else — HTML, SVG, scripts, executables, or a file whose
content contradicts its name — is refused.
"""

import struct
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_HEADS = (b"PK\x03\x04", b"PK\x05\x06")
# What each extension's content must be: a checker of (head, file) -> bool.
LABELS = {
    "pdf": "PDF", "ofd": "OFD", "doc": "Word", "docx": "Word", "xls": "Excel", "xlsx": "Excel",
    "ppt": "PowerPoint", "pptx": "PowerPoint", "wps": "WPS 文字", "et": "WPS 表格", "dps": "WPS 演示",
    "jpg": "JPEG 图片", "jpeg": "JPEG 图片", "png": "PNG 图片", "txt": "文本", "zip": "ZIP 压缩包",
    "rar": "RAR 压缩包", "7z": "7z 压缩包",
}
ALLOWED_EXTENSIONS = tuple(LABELS)
_MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<head", b"<body", b"<iframe", b"<object")


# The directory of a genuine Word, Excel, PowerPoint or OFD package lists tens
# to a few thousand parts; reading more would let one upload cost seconds and
# hundreds of megabytes (zipfile builds an object per entry).
MAX_ENTRIES = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
# One deflate stream cannot expand more than about 1032:1, so a package that
# declares more than this relative to its own size has overlapping or lying entries.
SUSPICIOUS_RATIO = 1000
PACKAGE_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "wps", "et", "dps", "ofd"})

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


def _ooxml(part):
    def check(head, fileobj):
        if not head.startswith(ZIP_HEADS):
            return False
        package = inspect_package(fileobj)
        return (package is not None and "[Content_Types].xml" in package.names
                and any(n.startswith(part) for n in package.names))

    return check


def _ofd(head, fileobj):
    if not head.startswith(ZIP_HEADS):
        return False
    package = inspect_package(fileobj)
    return package is not None and any(n.lstrip("/").upper() == "OFD.XML" for n in package.names)


def _ole2(head, fileobj):
    return head.startswith(OLE2)


def _ole2_or(part):
    ooxml = _ooxml(part)
    return lambda head, fileobj: _ole2(head, fileobj) or ooxml(head, fileobj)


def _text(head, fileobj):
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith(_MARKUP) or b"<script" in head.lower():
        return False  # HTML or SVG in disguise
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:
                return True  # a multi-byte character cut by the sample's end
    return False


CHECKS = {
    "pdf": lambda head, f: b"%PDF-" in head[:1024],
    "ofd": _ofd,
    "doc": _ole2, "xls": _ole2, "ppt": _ole2,
    "docx": _ooxml("word/"), "xlsx": _ooxml("xl/"), "pptx": _ooxml("ppt/"),
    "wps": _ole2_or("word/"), "et": _ole2_or("xl/"), "dps": _ole2_or("ppt/"),
    "jpg": lambda head, f: head.startswith(b"\xff\xd8\xff"),
    "jpeg": lambda head, f: head.startswith(b"\xff\xd8\xff"),
    "png": lambda head, f: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "txt": _text,
    "zip": lambda head, f: head.startswith(ZIP_HEADS),
    "rar": lambda head, f: head.startswith((b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00")),
    "7z": lambda head, f: head.startswith(b"7z\xbc\xaf\x27\x1c"),
}


def extension(filename):
    return PurePath(filename or "").suffix.lower().lstrip(".")


def identify(filename, fileobj):
    """(extension, None) when the content matches an allowed extension, else (extension, reason):
    type_not_allowed, content_mismatch, or too_many_entries for a package whose directory is not even read."""
    ext = extension(filename)
    if ext not in CHECKS:
        return ext, "type_not_allowed"
    fileobj.seek(0)
    head = fileobj.read(8192)
    fileobj.seek(0)
    try:
        if not CHECKS[ext](head, fileobj):
            return ext, "content_mismatch"
    except TooManyEntries:
        return ext, "too_many_entries"
    return ext, None
