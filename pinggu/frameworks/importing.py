"""Reading an uploaded framework file of any supported format, then storing it whole."""

import json
import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from . import excel_import, schema, word_import, yaml_io
from .services import FrameworkError, check, create_framework, readable_code
from .text import full_width_punctuation

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx", ".docx": "docx"}


def _problem(message):
    return {"sheet": None, "row": None, "column": None, "message": message}


def ensure_size(size: int) -> None:
    """The one size limit of an uploaded framework file (web, API)."""
    if size > settings.FRAMEWORK_IMPORT_MAX_BYTES:
        message = _("文件过大（上限 %(mb)d MB）。") % {"mb": settings.FRAMEWORK_IMPORT_MAX_BYTES // 1024 // 1024}
        raise FrameworkError(message, code="too_large", problems=[_problem(message)])


def stage(upload: File, *, sheet: str | None, defaults: dict[str, Any], normalise: bool) -> "tuple[dict[str, Any], ReadResult]":
    """Keep an upload in storage until the user confirms it; returns the pending import and its preview.

    The preview reads with the points mismatch accepted, so that it can show what would not add up.
    The user's file name is never a path.
    """
    ensure_size(upload.size or 0)
    suffix = PurePath(upload.name or "").suffix.lower()[:8]
    stored = default_storage.save(f"framework-imports/{uuid.uuid4().hex}{suffix}", upload)
    pending = {"path": stored, "name": upload.name, "sheet": sheet, "defaults": defaults, "normalise": normalise}
    try:
        return pending, read_staged(pending, accept_points_mismatch=True)
    except FrameworkError:
        default_storage.delete(stored)
        raise


def read_staged(pending: dict[str, Any], accept_points_mismatch: bool = False) -> "ReadResult":
    with default_storage.open(pending["path"], "rb") as fh:
        return read(pending["name"], fh, sheet=pending["sheet"], defaults=pending["defaults"],
                    normalise=pending.get("normalise", True), accept_points_mismatch=accept_points_mismatch)


def discard_staged(pending: dict[str, Any]) -> None:
    default_storage.delete(pending["path"])


class ReadResult(list):
    """The validated frameworks of a file, with `warnings`: what the import could not take (cells dropped, with
    sheet/row/column) and what the user accepted (points not adding up), each {sheet, row, column, message, code}."""

    def __init__(self, frameworks=(), warnings=()):
        super().__init__(frameworks)
        self.warnings = list(warnings)


def read(filename, fileobj, *, sheet=None, defaults=None, normalise=True, accept_points_mismatch=False):
    """Parse a file into validated framework dicts, or raise FrameworkError with every problem.

    `normalise` turns the half-width punctuation of Chinese texts into full-width (text.full_width_punctuation).
    A 分值制 framework whose points do not add up (schema.points_mismatches) is refused with code
    "points_mismatch" unless `accept_points_mismatch`; then the mismatches come back as warnings.
    """
    kind = FORMATS.get(PurePath(filename or "").suffix.lower())
    if kind is None:
        raise FrameworkError(
            _("不支持的文件类型。"),
            code="unsupported_type",
            problems=[_problem(_("请上传 .xlsx 工作簿、.docx 文档或 .yaml/.json 指标体系文件（旧版 .xls/.doc 请先另存为新格式）。"))],
        )
    if kind == "xlsx":
        datas, problems = excel_import.read_workbook(fileobj, sheet=sheet, defaults=defaults or {})
    elif kind == "docx":
        datas, problems = word_import.read_document(fileobj, defaults=defaults or {})
    else:
        datas, problems = [_read_text(kind, fileobj, defaults)], []
    warnings = []
    clean = []
    for data in datas:  # the one validation: nodes read from Excel carry _loc, so problems name sheet/row/column
        if isinstance(data, dict):
            warnings.extend(data.get("_warnings") or [])
        try:
            clean.append(schema.strip_private(check(data), portable=True))
        except FrameworkError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FrameworkError(_("文件有 %(n)d 处问题，未导入任何内容。") % {"n": len(problems)}, problems=problems)
    mismatches = [p for data in datas if isinstance(data, dict) for p in schema.points_mismatches(data)]
    if mismatches and not accept_points_mismatch:
        raise FrameworkError(
            _("分值合计与总分不一致，未导入。核对无误后可确认“仍然导入”。"), code="points_mismatch", problems=mismatches,
        )
    if normalise:
        clean = [normalise_texts(data) for data in clean]
    return ReadResult(clean, warnings + mismatches)


def _read_text(kind, fileobj, defaults):
    raw = fileobj.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FrameworkError(_("文件编码错误。"), problems=[_problem(_("文件必须是 UTF-8 编码的文本。"))]) from None
    if kind == "yaml":
        data = yaml_io.loads(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FrameworkError(
                _("文件不是有效的 JSON。"),
                problems=[{"sheet": None, "row": exc.lineno, "column": exc.colno, "message": _("JSON 格式错误：%(e)s") % {"e": exc.msg}}],
            ) from None
    if not isinstance(data, dict):
        return data  # refused by the validation, with its message
    for key, value in (defaults or {}).items():
        if value not in (None, "") and key in ("code", "name", "year", "unit_kind"):
            data[key] = value
    if data.get("code") in (None, "") and isinstance(data.get("name"), str):
        year = data.get("year")
        data["code"] = readable_code(data["name"], year if isinstance(year, int) and not isinstance(year, bool) else None)
    return data


_TEXT_KEYS = {"name", "description", "numbering", "title", "note", "text", "hint"}


def normalise_texts(node):
    """The framework with full-width punctuation in every Chinese text (names, titles, points, hints, rules)."""
    if isinstance(node, dict):
        return {k: full_width_punctuation(v) if k in _TEXT_KEYS and isinstance(v, str) else normalise_texts(v) for k, v in node.items()}
    if isinstance(node, list):
        return [normalise_texts(v) for v in node]
    return node


@transaction.atomic
def store(datas, *, user=None, request=None, source_name=""):
    """All frameworks of one file, or none of them. The audit event notes what the user accepted or was told."""
    warnings = getattr(datas, "warnings", [])
    audit = {}
    if any(w.get("code") == "points_mismatch" for w in warnings):
        audit["accepted_points_mismatch"] = True
    if dropped := sum(1 for w in warnings if w.get("code") == "dropped"):
        audit["cells_left_out"] = dropped
    return [create_framework(data, user=user, request=request, source_name=source_name, audit=audit) for data in datas]
