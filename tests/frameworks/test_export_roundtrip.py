"""Every framework that imports exports to xlsx and docx, and the export imports back to the same tree."""

import io

import pytest
from openpyxl import load_workbook

from pinggu.frameworks import exports, importing, services

from .workbooks import save, workbook_with

pytestmark = pytest.mark.django_db

POINTS_SHEET = [
    ["一级指标", "二级指标", "考核点", "分值", "采样方式", "扣分规则"],
    ["一、主动公开", "(一)重点领域", "财政预决算公开", 60, "材料", "每例扣2分"],
    [None, None, "政策解读", 30, "网站检查", None],
    [None, "(二)平台", "网站安全", 10, "其他", None],
]


def imported_points_framework():
    [data] = importing.read("清单.xlsx", save(workbook_with(POINTS_SHEET)), defaults={"code": "points-fw"})
    [fw] = importing.store([data])
    return fw


def test_xlsx_export_of_a_points_checklist(org_client):
    """Bug 8.2: the 采样方式 label was a lazy translation openpyxl cannot write (500)."""
    fw = imported_points_framework()
    response = org_client.get(f"/frameworks/{fw.code}/export.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert "采样方式" in [c.value for c in ws[2]]
    assert [ws.cell(row=r, column=5).value for r in (3, 4, 5)] == ["材料", "网站检查", "其他"]
    assert org_client.get(f"/frameworks/{fw.code}/export.docx").status_code == 200


def test_notice_attachment_xlsx_of_a_points_checklist(client, organizer):
    """Bug 8.2: /campaigns/<id>/notice/<kind>.xlsx failed the same way for a campaign using such a checklist."""
    from datetime import timedelta

    from django.utils import timezone

    from pinggu.campaigns import services as cs

    fw = services.publish(imported_points_framework())
    now = timezone.now()
    campaign = cs.create_campaign(title="计分测试", year=2020, opens_at=now, deadline=now + timedelta(days=7),
                                  frameworks={fw.unit_kind.code: fw.code})
    client.force_login(organizer)
    for fmt in ("xlsx", "docx"):
        response = client.get(f"/campaigns/{campaign.pk}/notice/{fw.unit_kind.code}.{fmt}")
        assert response.status_code == 200, fmt
