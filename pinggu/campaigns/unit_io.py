"""Units in bulk: import from xlsx or CSV (名称, 类型, 联系人, 电话, 邮箱[, 代码][, 排序号]) and export."""

import csv
import io
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from pinggu.frameworks.text import clean_text
from pinggu.lib import zipdir
from pinggu.lib.office import safe_cell, to_bytes

from . import services
from .models import Unit

COLUMNS = {"名称": "name", "单位名称": "name", "类型": "kind", "单位类型": "kind", "联系人": "contact_name",
           "电话": "contact_phone", "联系电话": "contact_phone", "邮箱": "contact_email", "电子邮箱": "contact_email",
           "代码": "code", "单位代码": "code", "排序号": "sort_key", "序号": "sort_key", "排序": "sort_key"}
HEADER = ["名称", "类型", "联系人", "电话", "邮箱", "代码", "排序号"]
MAX_ROWS = 5_000
MAX_COLUMNS = 20
MAX_UNPACKED_BYTES = 20 * 1024 * 1024


def _rows(filename, fileobj):
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        # openpyxl reads a sheet's XML whole: refuse a workbook that would unpack to more than a unit list needs.
        if zipdir.declares_more_than(fileobj, MAX_UNPACKED_BYTES):
            raise services.CampaignError(_("表格解压后超过 %(n)d MB，不像单位名单，未导入。") % {"n": MAX_UNPACKED_BYTES // 2**20},
                                         code="too_large")
        try:
            wb = load_workbook(fileobj, read_only=True, data_only=True)
        except Exception:
            raise services.CampaignError(_("无法读取 Excel 文件，请确认是 .xlsx 格式。"), code="invalid_file") from None
        # Bounded by what a unit list can hold, not by the size a sheet claims (a hostile file
        # can claim A1:XFD1048576, and openpyxl pads every row out to the claimed width).
        for number, row in enumerate(wb.active.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=MAX_ROWS + 1), 1):
            if number > MAX_ROWS:
                raise services.CampaignError(_("表格超过 %(n)d 行，请分批导入。") % {"n": MAX_ROWS}, code="too_large")
            yield ["" if v is None else str(v) for v in row]
    elif suffix == ".csv":
        raw = fileobj.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise services.CampaignError(_("CSV 文件编码无法识别，请另存为 UTF-8。"), code="invalid_file")
        yield from csv.reader(io.StringIO(text))
    else:
        raise services.CampaignError(_("请上传 .xlsx 或 .csv 文件。"), code="unsupported_type")


def parse(filename, fileobj):
    """Rows as dicts, plus problems [{row, column, message}]; blank rows skipped."""
    rows = iter(_rows(filename, fileobj))
    header = next(rows, None)
    problems = []
    fields = [COLUMNS.get(clean_text(h)) for h in (header or [])]
    if not header or "name" not in fields or "kind" not in fields:
        problems.append({"row": 1, "column": None, "message": _("第一行应为表头：名称、类型、联系人、电话、邮箱（代码、排序号可选）。")})
        return [], problems
    items = []
    for number, row in enumerate(rows, start=2):
        values = {f: clean_text(v) if f in ("name", "kind") else (v or "").strip() for f, v in zip(fields, row) if f}
        if not any(values.values()):
            continue
        values["_row"] = number
        items.append(values)
    return items, problems


@transaction.atomic
def import_units(filename, fileobj, *, user=None, request=None):
    """Create every unit of the file or none. Returns the created units; raises CampaignError with row problems."""
    items, problems = parse(filename, fileobj)
    seen_names, seen_codes = set(), set()
    existing_names = set(Unit.objects.values_list("name", flat=True))
    existing_codes = set(Unit.objects.values_list("code", flat=True))
    for item in items:
        row = item["_row"]
        problem, data = services.clean_unit_fields(
            item.get("name"), item.get("kind"), item.get("code"), item.get("contact_name"), item.get("contact_phone"),
            item.get("contact_email"), item.get("sort_key"),
        )
        for field, message in problem.items():
            problems.append({"row": row, "column": _label(field), "message": message})
        name, code = data["name"], data["code"]
        if name and (name in existing_names or name in seen_names):
            problems.append({"row": row, "column": "名称", "message": _("单位“%(n)s”已存在或在文件中重复。") % {"n": name}})
        if code and (code in existing_codes or code in seen_codes):
            problems.append({"row": row, "column": "代码", "message": _("代码“%(c)s”已被使用或在文件中重复。") % {"c": code}})
        seen_names.add(name)
        if code:
            seen_codes.add(code)
    if not items and not problems:
        problems.append({"row": None, "column": None, "message": _("文件中没有任何单位。")})
    if problems:
        raise services.CampaignError(_("文件有 %(n)d 处问题，未导入任何单位。") % {"n": len(problems)}, code="invalid_file",
                                     errors=problems)
    created = []
    for item in items:
        code = item.get("code") or services.suggest_unit_code(item["name"], taken=seen_codes)
        seen_codes.add(code)
        created.append(services.create_unit(
            name=item["name"], kind=item["kind"], code=code, contact_name=item.get("contact_name", ""),
            contact_phone=item.get("contact_phone", ""), contact_email=item.get("contact_email", ""),
            sort_key=item.get("sort_key"), user=user, request=request,
        ))
    return created


def _label(field):
    return {"name": "名称", "kind": "类型", "code": "代码", "contact_email": "邮箱", "sort_key": "排序号"}.get(field, field)


def to_xlsx(units):
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(HEADER)
    for unit in units:
        ws.append([safe_cell(v) for v in (unit.name, unit.kind.name, unit.contact_name, unit.contact_phone, unit.contact_email,
                                          unit.code)] + [unit.sort_key])
    for col, width in zip("ABCDEFG", (28, 14, 12, 18, 26, 14, 8)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    return to_bytes(wb)
