"""progress.xlsx: one row per unit, one column per assessment point, totals; a sheet per checklist."""


from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pinggu.lib.office import safe_cell, to_bytes
from pinggu.oversight import progress

STATUS_TEXT = {"empty": "", "done": "已填报", "not_applicable": "不适用", "returned": "已退回"}
FILLS = {"done": PatternFill("solid", fgColor="B7E4C7"), "not_applicable": PatternFill("solid", fgColor="DEE2E6"),
         "returned": PatternFill("solid", fgColor="FFC9A9")}


def build(campaign, items):
    wb = Workbook()
    wb.remove(wb.active)
    matrices = progress.matrices(items)
    for m in matrices:
        ws = wb.create_sheet(m.kind_name[:31])
        head = ["单位", "代码", "状态", "已填报", "不适用", "考核点数", "文件数", "最近操作"] + [cp.code for cp in m.checkpoints]
        ws.append(head)
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row, statuses in sorted(m.units, key=lambda x: x[0].sort_name):
            ws.append([
                safe_cell(row.unit_name), row.unit_code, row.state_label, row.done, row.not_applicable, row.total, row.files,
                timezone.localtime(row.last_activity).strftime("%Y-%m-%d %H:%M") if row.last_activity else "",
            ] + [STATUS_TEXT.get(s, "") for s in statuses])
            r = ws.max_row
            for col, s in enumerate(statuses, start=9):
                if s in FILLS:
                    ws.cell(row=r, column=col).fill = FILLS[s]
        total_row = ["合计", "", "", sum(r.done for r, _ in m.units), sum(r.not_applicable for r, _ in m.units),
                     sum(r.total for r, _ in m.units), sum(r.files for r, _ in m.units), ""]
        total_row += [f"{m.done[cp.pk]}/{len(m.units)}" for cp in m.checkpoints]
        ws.append(total_row)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{ws.max_row - 1}"
        widths = [28, 12, 8, 8, 8, 9, 8, 17] + [7] * len(m.checkpoints)  # Chinese text is wide: wider name column
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
    legend = wb.create_sheet("考核点说明")
    legend.append(["清单", "编号", "考核点"])
    for m in matrices:
        for cp in m.checkpoints:
            legend.append([m.kind_name, cp.code, safe_cell(cp.text)])
    legend.column_dimensions["A"].width = 14
    legend.column_dimensions["C"].width = 100
    if not wb.sheetnames:
        wb.create_sheet("进度")
    return to_bytes(wb)
