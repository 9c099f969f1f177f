"""Excel and Word exports in the layout of the notice's attachments (附件)."""

import json

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pinggu.lib import gongwen
from pinggu.lib.office import to_bytes

from . import yaml_io
from .layout import grid
from .models import Framework
from .services import to_dict

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _widths(columns, max_level):
    # Indicator columns narrow, the assessment point wide, like the notice.
    return [12 if i < max_level else (60 if i == max_level else 14) for i in range(len(columns))]


def to_xlsx(data, wb=None):
    """Write one sheet per framework; returns the workbook bytes when `wb` is not given."""
    own = wb is None
    if own:
        wb = Workbook()
        ws = wb.active
    else:
        ws = wb.create_sheet()
    ws.title = _sheet_title(data["name"])
    g = grid(data)
    max_level = sum(1 for c in g.columns if c.endswith("指标"))
    ncols = len(g.columns)
    ws.cell(row=1, column=1, value=data["name"]).font = Font(bold=True, size=16)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 30
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    for i, label in enumerate(g.columns, 1):
        cell = ws.cell(row=2, column=i, value=label)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, width in enumerate(_widths(g.columns, max_level), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    base = 3
    for r in range(g.nrows):
        for c in range(ncols):
            ws.cell(row=base + r, column=c + 1).border = _BORDER
    for cell in g.cells:
        target = ws.cell(row=base + cell.row, column=cell.col + 1)
        _set_string(target, cell.text)
        horizontal = "left" if cell.kind == "checkpoint" else "center"
        target.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(
                start_row=base + cell.row, start_column=cell.col + 1,
                end_row=base + cell.row + cell.rowspan - 1, end_column=cell.col + cell.colspan,
            )
    ws.print_title_rows = "2:2"  # the header repeats on every printed page
    ws.freeze_panes = "A3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if own:
        return to_bytes(wb)
    return wb


def _set_string(cell, text):
    """Text as text: typed as a string, so a leading "=" is never a formula, and with Excel's quote prefix, so
    editing the cell does not make it one either. Unlike safe_cell, the text itself stays as it is (it reads back)."""
    text = str(text)
    cell.value = text
    cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    if text[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True


def _sheet_title(name):
    for ch in '[]:*?/\\':
        name = name.replace(ch, " ")
    return name[:31] or "Sheet"


def to_docx(data, *, attachment_label=None, document=None):
    """The checklist as a table in 公文 style; with `document`, appended as an attachment on a new page.

    The table is what the Word importer reads back: a header row of the grid's column labels,
    then one row per assessment point with the indicators as merged cells.
    """
    g = grid(data)
    landscape = len(g.columns) > 6
    own = document is None
    if own:
        document = gongwen.new_document(landscape=landscape, title=data["name"])
        section = document.sections[0]
    else:
        section = gongwen.new_page_section(document, landscape=landscape)
    if attachment_label:
        gongwen.attachment_heading(document, attachment_label, data["name"])
    else:
        gongwen.title(document, data["name"])
    gongwen.blank(document)
    max_level = sum(1 for c in g.columns if c.endswith("指标"))
    widths = gongwen.fit_widths(g.columns, g.cells, gongwen.text_width_mm(section), wide=max_level)
    gongwen.table(document, g.columns, g.cells, g.nrows, widths=widths)
    return gongwen.to_bytes(document) if own else document


def to_yaml(data):
    return yaml_io.dumps(data)


MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def render(framework: Framework, fmt: str) -> bytes:
    """The bytes of one export format, for the web, the API and the CLI. JSON is the API's shape, rule ids
    included (the importer ignores them); the other formats are documents to edit and carry none."""
    data = to_dict(framework, rule_ids=fmt == "json")
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "docx":
        return to_docx(data)
    if fmt == "yaml":
        return to_yaml(data).encode()
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
