"""Excel and Word exports in the layout of the notice's attachments (附件)."""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from . import yaml_io
from .layout import grid

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _widths(columns, max_level):
    # Indicator columns narrow, the assessment point wide, like the notice.
    return [12 if i < max_level else (60 if i == max_level else 14) for i in range(len(columns))]


def safe_cell(text):
    """Keep text from being read as a formula by Excel (formula injection)."""
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


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
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()
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


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _no_split(row):
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _set_text(cell, text, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER):
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    for i, line in enumerate(str(text).split("\n")):
        if i:
            paragraph = cell.add_paragraph()
            paragraph.alignment = align
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(10.5)
        run._element.rPr.get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def to_docx(data, *, attachment_label=None, document=None):
    own = document is None
    if own:
        document = Document()
        section = document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2)
    else:
        document.add_page_break()
    g = grid(data)
    if landscape := len(g.columns) > 6:
        section = document.sections[-1]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    if attachment_label:
        document.add_paragraph().add_run(attachment_label).bold = True
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(data["name"])
    run.bold = True
    run.font.size = Pt(16)
    table = document.add_table(rows=g.nrows + 1, cols=len(g.columns))
    table.style = "Table Grid"
    max_level = sum(1 for c in g.columns if c.endswith("指标"))
    widths = [Cm(2.2) if i < max_level else (Cm(9 if not landscape else 10) if i == max_level else Cm(2.5)) for i in range(len(g.columns))]
    for i, label in enumerate(g.columns):
        _set_text(table.cell(0, i), label, bold=True)
    _repeat_header(table.rows[0])
    for row in table.rows[1:]:
        _no_split(row)
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            cell.width = widths[i]
    for cell in g.cells:
        top = table.cell(cell.row + 1, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            top = top.merge(table.cell(cell.row + cell.rowspan, cell.col + cell.colspan - 1))
        align = WD_ALIGN_PARAGRAPH.LEFT if cell.kind == "checkpoint" else WD_ALIGN_PARAGRAPH.CENTER
        _set_text(top, cell.text, align=align)
    if own:
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()
    return document


def to_yaml(data):
    return yaml_io.dumps(data)
