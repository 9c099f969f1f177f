"""Import the checklist tables of a Word document (.docx): the notice's attachments, or Pinggu's own export.

Each table whose header names the levels and the 考核点 is one framework, read exactly as a sheet of a
workbook (excel_import.parse_grid): merged cells, blank "same as above" cells, the optional columns. Only
the text of the cells is read, never styles, so a restyled document reads the same. The paragraph just
above a table names the checklist.
"""

from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table

from pinggu.lib import zipdir

from .excel_import import MAX_CELLS, MAX_UNPACKED_BYTES, _Sheet, _TooLarge, parse_grid
from .services import FrameworkError, readable_code


def _unreadable():
    return FrameworkError(
        _("无法读取 Word 文件。"),
        problems=[{"sheet": None, "row": None, "column": None, "message": _("文件不是有效的 .docx 文档（旧版 .doc 请先另存为 .docx）。")}],
    )


def _paragraph_text(element):
    return "".join(t.text or "" for t in element.iter(qn("w:t"))).strip()


def _table_grid(table, title, caption):
    """The table as a _Sheet, with `caption` (the paragraph above it) as a lone first row."""
    cells = {}
    if caption:
        cells[(1, 1)] = (caption, (1, 1))
    first = {}
    # Cells of one merged area (gridSpan across, vMerge down) are the same <w:tc>: the first place it appears is its
    # origin. Keyed by the element itself: holding it keeps lxml handing out the same proxy (an id() could be reused).
    for r, row in enumerate(table.rows, 2):
        for c, cell in enumerate(row.cells, 1):
            origin = first.setdefault(cell._tc, (r, c))
            if len(cells) > MAX_CELLS:
                raise _TooLarge(title, "cells", r, c)
            cells[(r, c)] = ("\n".join(p.text for p in cell.paragraphs) if origin == (r, c) else None, origin)
    return _Sheet.from_cells(title, cells)


def read_document(fileobj, *, defaults=None):
    """The frameworks of the document's checklist tables, and the problems met (like excel_import.read_workbook)."""
    defaults = defaults or {}
    if zipdir.declares_more_than(fileobj, MAX_UNPACKED_BYTES):
        message = _("文档解压后超过 %(n)d MB 或内含文件过多，不像指标清单，未导入。") % {"n": MAX_UNPACKED_BYTES // 2**20}
        raise FrameworkError(_("文件过大。"), code="too_large", problems=[{"sheet": None, "row": None, "column": None, "message": message}])
    try:
        document = Document(fileobj)
    except Exception:  # python-docx and the ZIP and XML parsers raise many types
        raise _unreadable() from None
    frameworks, problems, headerless = [], [], []
    caption, n = "", 0
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = _paragraph_text(child)
            if text:
                caption = text
            continue
        if child.tag != qn("w:tbl"):
            continue
        n += 1
        title = _("表格%(n)d") % {"n": n}
        try:
            sheet = _table_grid(Table(child, document), title, caption)
        except _TooLarge as exc:
            raise FrameworkError(_("文件过大。"), code="too_large", problems=[exc.problem]) from None
        except Exception:
            raise _unreadable() from None
        caption = ""
        data, table_problems = parse_grid(sheet, {k: v for k, v in defaults.items() if k != "code"})
        if data is None:
            headerless.extend(table_problems)
            continue
        problems.extend(table_problems)
        frameworks.append(data)
    if not frameworks:
        problems.extend(headerless or [{"sheet": None, "row": None, "column": None, "message": _("文档里没有表格。")}])
    if len(frameworks) == 1 and defaults.get("code"):
        frameworks[0]["code"] = defaults["code"]
    taken = {f["code"] for f in frameworks if f["code"]}
    for f in frameworks:
        if not f["code"]:
            f["code"] = readable_code(f["name"], f["year"] if isinstance(f["year"], int) else None, taken)
            taken.add(f["code"])
    return frameworks, problems
