"""Which uploads are accepted: decided by content, not only by the extension.

An allow-list of the formats government offices exchange. For each extension
the file's leading bytes (and, for Office/OFD packages, the ZIP directory)
must match; anything else — HTML, SVG, scripts, executables, or a file whose
content contradicts its name — is refused.
"""

from pathlib import PurePath

from pinggu.lib.zipdir import TooManyEntries, inspect_package

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


# Office and OFD files are ZIP packages: their directory is read by pinggu.lib.zipdir, bounded.
PACKAGE_EXTENSIONS = frozenset({"docx", "xlsx", "pptx", "wps", "et", "dps", "ofd"})


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


# The Content-Type a stored file is served with, from the type validated at upload. Anything not listed
# (including an extension a future version might accept) is served as opaque bytes.
MEDIA_TYPES = {
    "pdf": "application/pdf", "ofd": "application/ofd",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "txt": "text/plain", "zip": "application/zip", "rar": "application/vnd.rar", "7z": "application/x-7z-compressed",
}
OPAQUE = "application/octet-stream"

# What a browser may show inline: PDF (through our PDF.js page) and raster images. Never HTML, SVG or text,
# which a browser could run or re-interpret; those and everything else are downloaded.
_INLINE_CHECKS = {
    "pdf": CHECKS["pdf"],
    "png": CHECKS["png"], "jpg": CHECKS["jpg"], "jpeg": CHECKS["jpeg"],
    "gif": lambda head, f: head.startswith((b"GIF87a", b"GIF89a")),
    "webp": lambda head, f: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
PREVIEWABLE = frozenset(_INLINE_CHECKS)


def media_type(ext: str) -> str:
    return MEDIA_TYPES.get((ext or "").lower(), OPAQUE)


def previewable(ext: str) -> bool:
    return (ext or "").lower() in PREVIEWABLE


def inline_media_type(ext: str, head: bytes) -> str | None:
    """The type to show the file inline with, or None to download it: the stored bytes must still be what
    the upload check accepted (a file put in place some other way is never shown)."""
    ext = (ext or "").lower()
    check = _INLINE_CHECKS.get(ext)
    if check is None or not check(head, None):
        return None
    return MEDIA_TYPES[ext]
