"""Issue 8, point 13: the audit log reads as Chinese (field: value), and exports as CSV or xlsx with the page's filters."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pinggu.accounts import audit
from pinggu.accounts.models import AuditEvent

from ..conftest import PASSWORD, PDF, upload_file

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2] / "pinggu"


def _activity(client, world):
    from pinggu.campaigns import services as cs
    from pinggu.evidence import services

    client.post("/accounts/login/", {"username": "sub-a", "password": PASSWORD})
    client.post("/accounts/logout/")
    services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", PDF), user=world.sub_a)
    services.add_link(world.enrollment(world.a), "C02", "https://example.org/x", user=world.sub_a)
    services.set_response(world.enrollment(world.a), "C03", status="not_applicable", note="本县没有", user=world.sub_a)
    cs.create_unit(name="=1+2", kind="county", code="unit-f")
    cs.change_state(world.campaign, "closed", user=world.organizer)


def test_details_read_as_chinese_field_and_value(client, world):
    _activity(client, world)
    client.force_login(world.organizer)
    page = client.get("/accounts/audit/").content.decode()
    assert "途径：网页" in page
    assert "之前：报送中" in page and "之后：已截止" in page
    assert "状态：不适用" in page and "说明：本县没有" in page
    assert "{&#x27;" not in page and "{'" not in page  # no raw dicts any more
    # Every detail field any of these actions wrote has a label.
    unlabelled = {k for e in AuditEvent.objects.all() for k in e.details if audit.field_label(k) == k}
    assert unlabelled == set()


def test_every_recorded_action_has_a_label():
    recorded = set()
    for path in ROOT.rglob("*.py"):
        recorded |= set(re.findall(r"""record\(\s*["'](\w+)["']""", path.read_text()))
    recorded |= {"account_enable", "account_disable", "note", "not_applicable"}  # chosen at run time
    assert recorded - set(audit.action_labels()) == set()
    assert "unit_kind_create" in audit.action_labels()


def _csv_rows(response):
    assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the mark
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_and_xlsx_export_the_filtered_log(client, world):
    _activity(client, world)
    client.force_login(world.organizer)
    query = f"?campaign={world.campaign.pk}&action=upload"
    rows = _csv_rows(client.get("/accounts/audit/export.csv" + query))
    assert rows[0][:3] == ["时间", "操作人", "操作"] and len(rows) == 2
    assert rows[1][2] == "上传文件" and "文件名：甲.pdf" in rows[1][6]
    ws = load_workbook(io.BytesIO(client.get("/accounts/audit/export.xlsx" + query).content)).active
    values = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(values) == 1 and values[0][2] == "上传文件"
    everything = _csv_rows(client.get("/accounts/audit/export.csv"))
    assert any("'=1+2" in cell for row in everything for cell in row)  # formula escaped
    assert not any(cell[:1] in "=+-@" and cell for row in everything for cell in row)
    assert client.get("/accounts/audit/export.pdf").status_code == 404
    assert AuditEvent.objects.filter(action="audit_export", details__format="csv").exists()
    page = client.get("/accounts/audit/" + query).content.decode()
    assert f"/accounts/audit/export.csv?campaign={world.campaign.pk}&amp;action=upload" in page


def test_api_carries_readable_details(client, world):
    from ..conftest import token_for

    _activity(client, world)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    events = client.get("/api/v1/audit?action=login", **auth).json()["events"]
    assert events[0]["details"] == {"via": "web"} or events[0]["details"] == {"via": "api"}
    assert any(e["details_text"] == "途径：网页" for e in events)
