"""A framework workbook costs time in proportion to what it holds, and is refused past sensible bounds."""

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from pinggu.frameworks import excel_import, importing
from pinggu.frameworks.services import FrameworkError

from .workbooks import save, workbook_with

pytestmark = pytest.mark.django_db


def refused_quickly(fileobj, **kwargs):
    started = time.monotonic()
    with pytest.raises(FrameworkError) as caught:
        importing.read("清单.xlsx", fileobj, **kwargs)
    assert time.monotonic() - started < 10
    return caught.value.problems


def test_hundred_thousand_rows_refused_in_seconds():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("大表")
    ws.append(["一级指标", "二级指标", "考核点"])
    for i in range(100_000):
        ws.append(["一、公开", None, i])
    [problem] = refused_quickly(save(wb))
    assert (problem["sheet"], problem["row"]) == ("大表", excel_import.MAX_ROWS + 1)
    assert "大表" in problem["message"] and str(excel_import.MAX_ROWS) in problem["message"]


def with_sheet_xml(wb, edit):
    """The workbook saved, with its first sheet's XML rewritten: what openpyxl itself would never write."""
    source = zipfile.ZipFile(save(wb))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            target.writestr(info, data)
    out.seek(0)
    out.name = "清单.xlsx"
    return out


CHECKLIST = [["一级指标", "二级指标", "考核点"], ["一、公开", "(一)主动", "第一点"], [None, "(二)依申请", "第二点"]]


def test_claimed_dimension_and_huge_merged_range_cost_nothing():
    def claim_everything(xml):
        xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
        merge = '<mergeCells count="1"><mergeCell ref="B3:XFD1048576"/></mergeCells>'
        return xml.replace("</sheetData>", "</sheetData>" + merge, 1)

    started = time.monotonic()
    [data] = importing.read("清单.xlsx", with_sheet_xml(workbook_with(CHECKLIST), claim_everything))
    assert time.monotonic() - started < 10
    assert [cp["text"] for cp in data["indicators"][0]["children"][0]["checkpoints"]] == ["第一点"]


def test_a_lone_far_cell_is_refused_not_walked_to():
    def far_cell(xml):
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>远</t></is></c></row></sheetData>', 1)

    [problem] = refused_quickly(with_sheet_xml(workbook_with(CHECKLIST), far_cell))
    assert problem["sheet"] == "测试清单" and str(excel_import.MAX_ROWS) in problem["message"]
    wide = workbook_with(CHECKLIST)
    wide.active.cell(row=2, column=excel_import.MAX_COLUMNS + 1, value="太宽")
    [problem] = refused_quickly(save(wide))
    assert problem["column"] == "AY" and str(excel_import.MAX_COLUMNS) in problem["message"]
    # Naming the checklist's sheet leaves an oversized neighbour unread.
    wb = workbook_with(CHECKLIST)
    wb.create_sheet("原始数据").cell(row=excel_import.MAX_ROWS + 1, column=1, value="很多数据")
    assert len(importing.read("清单.xlsx", save(wb), sheet="测试清单")) == 1
    [problem] = refused_quickly(save(wb))
    assert problem["sheet"] == "原始数据"


def test_workbook_unpacking_past_the_limit_refused():
    def padded(xml):
        return xml.replace("<sheetData>", "<!--" + " " * (excel_import.MAX_UNPACKED_BYTES + 1) + "--><sheetData>", 1)

    [problem] = refused_quickly(with_sheet_xml(workbook_with(CHECKLIST), padded))
    assert problem["sheet"] is None and f"{excel_import.MAX_UNPACKED_BYTES // 2**20} MB" in problem["message"]
