"""Cleaning cell text that came through Word, Excel or OCR."""

import re

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\u200c\u200d\ufeff]+")
_NUMERAL = "一二三四五六七八九十百零〇"
_NUMBERING = re.compile(
    rf"""^(
        [{_NUMERAL}]+[、．.]                 # 一、
      | [（(][{_NUMERAL}]+[)）]              # （一） (一)
      | [（(]\d{{1,3}}[)）]                  # （1）
      | \d{{1,3}}(?:\.\d{{1,3}})*[、．](?!\d) # 1、 1.1、 1．
      | \d{{1,3}}\.(?![\d])                  # 1.
      | [①-⑳]
    )""",
    re.VERBOSE,
)


def _latin(ch):
    return ch.isascii() and ch.isalnum()


def _keeps_space(left, right):
    # Between Latin words a space is real; between digits it is an OCR split ("4 8小时").
    return _latin(left) and _latin(right) and not (left.isdigit() and right.isdigit())


def clean_text(value):
    """Join the pieces of a cell: no space inside Chinese text, one space between Latin words.

    Word and OCR break lines and insert spaces in the middle of Chinese words
    ("政府信息 公开"); a space between two Latin words is real ("IPv6 support").
    """
    if value is None:
        return ""
    pieces = [p for p in _SPACES.split(str(value)) if p]
    if not pieces:
        return ""
    out = pieces[0]
    for piece in pieces[1:]:
        out += (" " if _keeps_space(out[-1], piece[0]) else "") + piece
    return out


def split_numbering(value):
    """'（一）主动公开' -> ('（一）', '主动公开'); text without numbering -> ('', text)."""
    text = clean_text(value)
    match = _NUMBERING.match(text)
    if not match or match.end() == len(text):
        return "", text
    return match.group(1), text[match.end():].lstrip()


# Han characters (the ranges zhon.hanzi.characters lists) and the full-width punctuation of Chinese text.
_HAN = "\u3007\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002ebef\U0002f800-\U0002fa1f"
_CJK = re.compile(rf"[{_HAN}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_SENTENCE = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)[\x21-\x7e]*")


def full_width_punctuation(value: str) -> str:
    """The notice's half-width punctuation inside Chinese text as Chinese punctuation: "规定,对" -> "规定，对",
    "(一)" -> "（一）", "时间:" -> "时间：".

    Only , ; : ? ! next to a Chinese character or Chinese punctuation change (a run of them together),
    and ( ) only as a pair enclosing Chinese text. Nothing else is touched: not "1,000" or "3.5", not
    URLs, not English ("IPv6 support, yes"), not "(IPv6)"; "." stays, as it may be a decimal point or
    numbering. Idempotent; the length never changes.
    """
    chars = list(value)
    if not _CJK.search(value):
        return value
    protected: set[int] = set()
    for match in _URL.finditer(value):
        protected.update(range(match.start(), match.end()))
    # Brackets: pairs, innermost first; either half already full-width means the pair is Chinese.
    stack = []
    for i, ch in enumerate(chars):
        if i in protected:
            continue
        if ch in "(（":
            stack.append(i)
        elif ch in ")）" and stack:
            start = stack.pop()
            inner = "".join(chars[start + 1:i])
            if "（" in (chars[start], ch) or "）" in (chars[start], ch) or _CJK.search(inner):
                chars[start], chars[i] = "（", "）"
    # Sentence punctuation: a run of , ; : ? ! changes whole when a neighbour of the run is Chinese.
    i = 0
    while i < len(chars):
        if chars[i] not in _SENTENCE or i in protected:
            i += 1
            continue
        end = i
        while end < len(chars) and chars[end] in _SENTENCE and end not in protected:
            end += 1
        before = chars[i - 1] if i else ""
        after = chars[end] if end < len(chars) else ""
        if _CJK.match(before or " ") or _CJK.match(after or " "):
            for j in range(i, end):
                chars[j] = _SENTENCE[chars[j]]
        i = end
    return "".join(chars)
