"""File and folder names that every Windows tool accepts, and that never collide."""

import re
import unicodedata

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


def _is_break(ch):
    """A place a short name may end before: a space or any punctuation mark (Chinese or ASCII)."""
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def _is_latin(ch):
    return ch.isascii() and ch.isalnum()


def short_title(text, limit=20, *, at_least=8):
    """The start of an assessment point, for a folder name: at most `limit` characters.

    Stops before the last punctuation mark or space that leaves at least `at_least` characters,
    else at the limit but never inside a Latin word or number (unless the first word alone is
    longer than the limit), and never ends in punctuation. Chinese has no spaces between words, so
    any boundary between two Chinese characters counts as one.
    """
    flat = " ".join((text or "").split())
    cut = len(flat)
    if cut > limit:
        cut = next((i for i in range(limit, at_least - 1, -1) if _is_break(flat[i])), limit)
        if cut == limit and _is_latin(flat[cut - 1]) and _is_latin(flat[cut]):
            start = cut
            while start > 0 and _is_latin(flat[start - 1]):
                start -= 1
            cut = start or limit
    short = flat[:cut]
    while short and _is_break(short[-1]):
        short = short[:-1]
    return short
