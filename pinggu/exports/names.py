"""File and folder names that every Windows tool accepts, and that never collide."""

import re

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def windows_safe(name, *, limit=100, fallback="未命名"):
    """Replace characters Windows forbids, avoid reserved device names and trailing dots/spaces, keep the extension."""
    name = _FORBIDDEN.sub("_", name or "").strip().rstrip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = name, ""
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    if len(stem) + len(ext) + 1 > limit:
        stem = stem[: max(1, limit - len(ext) - 1)].rstrip(". ")
    name = f"{stem}.{ext}" if ext else stem
    return name if name.strip("._ ") else fallback + (f".{ext}" if ext else "")


class UniqueNames:
    """Numbers a name that is already taken in the same folder (case-insensitively, as Windows compares)."""

    def __init__(self):
        self.taken = set()

    def __call__(self, name):
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        candidate, n = name, 2
        while candidate.lower() in self.taken:
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
            n += 1
        self.taken.add(candidate.lower())
        return candidate
