"""Workbooks built the way organizers' files look, independent of Pinggu's own exporter."""

import io

from openpyxl import Workbook


def mangle(text, every=5):
    """What Word/OCR does to a cell: line breaks and stray spaces inside Chinese words."""
    out = ""
    for i, ch in enumerate(text):
        out += ch
        if i % every == every - 1 and i < len(text) - 1 and not (ch.isascii() and text[i + 1].isascii()):
            out += "\n" if i % 2 else " "
    return out


def notice_sheet(ws, data, *, merged=True, header=None, title_rows=True):
    """Lay a framework dict out as the notice's table. merged=False writes blanks for "same as above"."""
    header = header or ["一级指标", "二级指标", "级指标", "四级指标", "考核点"]  # the OCR lost 三
    row = 1
    if title_rows:
        ws.cell(row=1, column=1, value="附件1")
        ws.cell(row=2, column=1, value=data["name"])
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
        row = 3
    for col, label in enumerate(header, 1):
        ws.cell(row=row, column=col, value=label)
    first = row + 1
    state = {"row": first}

    def place(node):
        start = state["row"]
        for child in node["children"]:
            place(child)
        for cp in node["checkpoints"]:
            ws.cell(row=state["row"], column=5, value=mangle(cp["text"], 9))
            state["row"] += 1
        end = state["row"] - 1
        col = node["level"]
        label = node["numbering"] + ("\n" if node["level"] == 2 else "") + mangle(node["title"])
        last_col = col if node["children"] else 4
        ws.cell(row=start, column=col, value=label)
        if merged:
            if end > start or last_col > col:
                ws.merge_cells(start_row=start, start_column=col, end_row=end, end_column=last_col)
        elif last_col > col:
            ws.merge_cells(start_row=start, start_column=col, end_row=start, end_column=last_col)
            for r in range(start + 1, end + 1):
                ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=last_col)

    for root in data["indicators"]:
        place(root)
    return ws


def save(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "清单.xlsx"
    return buffer


def workbook_with(rows, title="测试清单"):
    """A workbook from literal rows (the first being the header)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r, values in enumerate(rows, 1):
        for c, value in enumerate(values, 1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    return wb
