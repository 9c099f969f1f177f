"""Small helpers for the spreadsheets and Word documents every app writes."""

import io


def safe_cell(text):
    """Keep text from being read as a formula by Excel (formula injection)."""
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_bytes(document) -> bytes:
    """The file of an openpyxl workbook or a python-docx document, in memory."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
