"""scores.xlsx (issue 10 §6): a ranking sheet per unit kind (rank, unit, total, grade, a column per 一级 and
二级 indicator), a deductions sheet (unit, point, score, max, deductions, reason) and the rectification status
(整改情况: every point that lost score with the unit's measures, done or not and when; 整改率: per unit). Numbers
are numbers (the rates percentages, dates dates);
text goes through safe_cell; the header is frozen and repeats on every printed page."""

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pinggu.lib.office import safe_cell, to_bytes

from .results_data import CampaignResults

NUMBER = "0.00"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"


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


def build(results: CampaignResults, *, progress=None) -> bytes:
    """`progress(done, total)` after each sheet."""
    kinds = results.by_kind()
    steps = len(kinds) + 3
    step = 0

    def advance():
        nonlocal step
        step += 1
        if progress:
            progress(step, steps)

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for kind_name, units in kinds.items():
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
        advance()
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
    advance()
    _rectification(wb, results)
    advance()
    _rates(wb, results)
    advance()
    return to_bytes(wb)


def _lost(point) -> float | None:
    return None if point.score is None or point.max is None else round(point.max - point.score, 2)


def _rectification(wb, results: CampaignResults):
    """One row per point that lost score: what the unit did about it (blank when it has recorded nothing yet)."""
    ws = wb.create_sheet("整改情况")
    _header(ws, ["单位", "单位代码", "考核点", "考核内容", "失分", "整改措施", "是否完成", "完成日期"], [28, 12, 10, 50, 8, 50, 9, 12])
    for unit in results.units:
        for point in unit.lost_points:
            done = unit.rectifications.get(point.code)
            day = timezone.localtime(done.done_at).date() if done and done.done and done.done_at else None
            ws.append([safe_cell(unit.unit_name), safe_cell(unit.unit_code), safe_cell(point.code), safe_cell(point.text),
                       _lost(point), safe_cell(done.measures if done else ""), "是" if done and done.done else "否", day])
            row = ws[ws.max_row]
            row[4].number_format = NUMBER
            row[7].number_format = DATE
            for cell in (row[3], row[5]):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.auto_filter.ref = f"A1:H{max(ws.max_row, 2)}"


def _rates(wb, results: CampaignResults):
    """Per unit: lost points, rectified, the rate; and the whole campaign on the last row."""
    ws = wb.create_sheet("整改率")
    _header(ws, ["单位", "单位代码", "失分考核点", "已完成整改", "整改率"], [28, 12, 11, 11, 9])
    lost_all = done_all = 0
    for unit in results.units:
        lost = len(unit.lost_points)
        done = sum(1 for p in unit.lost_points if (r := unit.rectifications.get(p.code)) and r.done)
        lost_all, done_all = lost_all + lost, done_all + done
        ws.append([safe_cell(unit.unit_name), safe_cell(unit.unit_code), lost, done, unit.rectification_rate])
        ws[ws.max_row][4].number_format = PERCENT
    ws.auto_filter.ref = f"A1:E{max(ws.max_row, 2)}"
    ws.append(["合计", None, lost_all, done_all, round(done_all / lost_all, 4) if lost_all else None])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws[ws.max_row][4].number_format = PERCENT
