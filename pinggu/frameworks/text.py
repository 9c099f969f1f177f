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
