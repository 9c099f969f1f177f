"""scores.xlsx (issue 10 §6): a ranking sheet per unit kind (rank, unit, total, grade, a column per 一级 and
二级 indicator) and a deductions sheet (unit, point, score, max, deductions, reason). Numbers are numbers;
text goes through safe_cell; the header is frozen and repeats on every printed page."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pinggu.lib.office import safe_cell, to_bytes

from .results_data import CampaignResults

NUMBER = "0.00"


def _header(ws, head, widths):
    ws.append(head)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "C2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _sheet_title(name, used):
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "排名"
    candidate, n = title, 2
    while candidate in used:
        candidate, n = f"{title[:26]}{n}", n + 1
    used.add(candidate)
    return candidate


def deduction_text(deductions):
    return "；".join(f"{d['text']}" + (f" × {d['count']}" if d["count"] != 1 else "") + f"（每次 {d['points']:g} 分）"
                     for d in deductions)


def build(results: CampaignResults) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for kind_name, units in results.by_kind().items():
        columns = []  # one framework per kind in a campaign; the union keeps the order if ever not
        for unit in units:
            for code, title, level in results.columns[unit.framework_id]:
                if level in (1, 2) and (code, title, level) not in columns:
                    columns.append((code, title, level))
        ws = wb.create_sheet(_sheet_title(f"排名-{kind_name}", used))
        head = ["排名", "单位", "单位代码", "总分", "基础分", "加分", "等次", "单项否决", "已评/考核点"]
        head += [f"{'一级' if level == 1 else '二级'} {code} {title}" for code, title, level in columns]
        _header(ws, head, [6, 28, 12, 9, 9, 7, 8, 9, 11] + [12] * len(columns))
        for unit in units:
            by_code = {i.code: i for i in unit.indicators}
            ws.append([unit.rank, safe_cell(unit.unit_name), safe_cell(unit.unit_code), unit.total, unit.base, unit.bonus,
                       unit.grade or "", "是" if unit.vetoed else "", f"{unit.reviewed}/{unit.points}"]
                      + [by_code[code].score if code in by_code else None for code, _t, _l in columns])
            for cell in ws[ws.max_row][3:6] + ws[ws.max_row][9:]:
                cell.number_format = NUMBER
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{max(ws.max_row, 2)}"
    ws = wb.create_sheet("扣分明细")
    _header(ws, ["单位", "单位代码", "考核点", "考核内容", "得分", "满分", "扣分", "失分原因"], [28, 12, 10, 50, 8, 8, 40, 50])
    for unit in results.units:
        for point in unit.lost_points:
            ws.append([safe_cell(unit.unit_name), safe_cell(unit.unit_code), safe_cell(point.code), safe_cell(point.text),
                       point.score, point.max, safe_cell(deduction_text(point.deductions)), safe_cell(point.reason)])
            for cell in ws[ws.max_row][4:6]:
                cell.number_format = NUMBER
            for cell in (ws[ws.max_row][3], ws[ws.max_row][6], ws[ws.max_row][7]):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.auto_filter.ref = f"A1:H{max(ws.max_row, 2)}"
    return to_bytes(wb)
