"""Issue 7, finding 8's class: the unit import is bounded like the framework import."""

import io
import time

import pytest
from openpyxl import Workbook

from pinggu.campaigns import unit_io
from pinggu.campaigns.services import CampaignError


def _workbook(rows):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("单位")
    ws.append(["名称", "类型"])
    for i in range(rows):
        ws.append([f"单位{i}", "county"])
    ws.append([None] * 16000 + ["远处"])  # one far cell: the sheet now claims 16,001 columns
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


@pytest.mark.django_db
def test_a_huge_sheet_is_refused_in_seconds():
    started = time.monotonic()
    with pytest.raises(CampaignError) as refused:
        unit_io.parse("单位.xlsx", _workbook(20_000))
    assert refused.value.code == "too_large"
    assert time.monotonic() - started < 20


@pytest.mark.django_db
def test_a_workbook_declaring_a_huge_unpacked_size_is_refused_before_opening():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (30 * 1024 * 1024))  # compresses to almost nothing
    out.seek(0)
    with pytest.raises(CampaignError) as refused:
        unit_io.parse("单位.xlsx", out)
    assert refused.value.code == "too_large" and "解压后" in refused.value.message
