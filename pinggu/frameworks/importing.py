"""Reading an uploaded framework file of any supported format, then storing it whole."""

import json
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _

from . import excel_import, yaml_io
from .services import FrameworkError, check, clean_to_portable, create_framework

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}


def _problem(message):
    return {"sheet": None, "row": None, "column": None, "message": message}


def read(filename, fileobj, *, sheet=None, defaults=None):
    """Parse a file into validated framework dicts, or raise FrameworkError with every problem."""
    kind = FORMATS.get(PurePath(filename or "").suffix.lower())
    if kind is None:
        raise FrameworkError(
            _("不支持的文件类型。"),
            code="unsupported_type",
            problems=[_problem(_("请上传 .xlsx 工作簿或 .yaml/.json 指标体系文件（旧版 .xls 请先另存为 .xlsx）。"))],
        )
    if kind == "xlsx":
        datas, problems = excel_import.read_workbook(fileobj, sheet=sheet, defaults=defaults or {})
    else:
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
        for key, value in (defaults or {}).items():
            if value not in (None, "") and key in ("code", "name", "year", "unit_kind"):
                data[key] = value
        datas, problems = [data], []
    clean = []
    for data in datas:  # the one validation: nodes read from Excel carry _loc, so problems name sheet/row/column
        try:
            clean.append(clean_to_portable(check(data)))
        except FrameworkError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FrameworkError(_("文件有 %(n)d 处问题，未导入任何内容。") % {"n": len(problems)}, problems=problems)
    return clean


@transaction.atomic
def store(datas, *, user=None, request=None, source_name=""):
    """All frameworks of one file, or none of them."""
    return [create_framework(data, user=user, request=request, source_name=source_name) for data in datas]
