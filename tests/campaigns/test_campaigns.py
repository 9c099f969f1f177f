import io
import json

import pytest
from openpyxl import Workbook, load_workbook

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns.models import Campaign, Unit
from pinggu.frameworks import services as fw_services
from pinggu.frameworks.models import Framework

from ..conftest import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(client, world):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(client, 'org')}"
    return client


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_units_api(org, world):
    created = post(org, "/api/v1/units", {"name": "榆阳区", "kind": "county", "contact_phone": "0912-5550001"})
    assert created.status_code == 201
    assert created.json() == {"name": "榆阳区", "kind": "county", "code": "yyq", "sort_key": None, "contact_name": "",
                              "contact_phone": "0912-5550001", "contact_email": ""}
    by_name = post(org, "/api/v1/units", {"name": "市财政局", "kind": "市级部门", "code": "czj"})
    assert by_name.status_code == 201 and by_name.json()["kind"] == "department"
    assert post(org, "/api/v1/units", {"name": "榆阳区", "kind": "county"}).status_code == 409
    bad = post(org, "/api/v1/units", {"name": "x", "kind": "county", "contact_email": "not-an-email"})
    assert bad.status_code == 400 and "邮箱" in bad.json()["message"]
    assert post(org, "/api/v1/units", {"name": "y", "kind": "乡镇"}).status_code == 400
    codes = [u["code"] for u in org.get("/api/v1/units").json()]
    assert "yyq" in codes and "czj" in codes


CAMPAIGN_BODY = {
    "title": "2021年评估", "year": 2021, "basis": "榆政办函〔2021〕1号", "issuer": "测试中心",
    "contact_name": "虚构", "contact_phone": "0912-5550002", "contact_email": "x@example.org",
    "opens_at": "2021-11-01T09:00:00+08:00", "deadline": "2021-12-11T17:00:00+08:00",
    "frameworks": {"county": "yulin-2020-county", "department": "yulin-2020-department"},
}


def test_campaign_api_lifecycle(org, world):
    body = CAMPAIGN_BODY
    created = post(org, "/api/v1/campaigns", body)
    assert created.status_code == 201, created.content
    c = created.json()
    assert c["state"] == "draft" and c["deadline"] == "2021-12-11T17:00:00+08:00"
    assert c["frameworks"] == {"county": "yulin-2020-county", "department": "yulin-2020-department"}
    enrolled = post(org, f"/api/v1/campaigns/{c['id']}/enrollments", {"unit_codes": ["unit-a", "dept-d"]})
    assert enrolled.status_code == 201 and enrolled.json()["total"] == 2
    assert post(org, f"/api/v1/campaigns/{c['id']}/enrollments", {"unit_codes": ["nope"]}).status_code == 400
    opened = org.patch(f"/api/v1/campaigns/{c['id']}", json.dumps({"state": "open", "deadline": "2021-12-12T17:00:00+08:00"}),
                       content_type="application/json")
    assert opened.status_code == 200 and opened.json()["state"] == "open"
    assert opened.json()["deadline"] == "2021-12-12T17:00:00+08:00"
    skip = org.patch(f"/api/v1/campaigns/{c['id']}", json.dumps({"state": "published"}), content_type="application/json")
    assert skip.status_code == 409 and skip.json()["error"] == "invalid_transition"
    backwards = post(org, "/api/v1/campaigns", {**body, "deadline": "2021-10-01T17:00:00+08:00"})
    assert backwards.status_code == 400 and "晚于" in backwards.json()["message"]
    naive = post(org, "/api/v1/campaigns", {**body, "deadline": "2021-12-11T17:00:00"})
    assert naive.status_code == 400
    actions = set(AuditEvent.objects.filter(campaign_id=c["id"]).values_list("action", flat=True))
    assert {"campaign_create", "enroll", "campaign_state", "campaign_update"} <= actions


def test_only_organizer_manages_campaigns(client, world):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'eva')}"}
    # A body the organizer's request would pass, so only the permission can refuse it.
    refused = client.post("/api/v1/campaigns", json.dumps(CAMPAIGN_BODY), content_type="application/json", **auth)
    assert refused.status_code == 403 and not Campaign.objects.filter(title=CAMPAIGN_BODY["title"]).exists()
    assert client.patch(f"/api/v1/campaigns/{world.campaign.pk}", json.dumps({"state": "closed"}), content_type="application/json", **auth).status_code == 403
    assert client.post(f"/api/v1/campaigns/{world.campaign.pk}/enrollments", json.dumps({"unit_codes": []}), content_type="application/json", **auth).status_code == 403


def test_campaign_form_with_date_and_time_pickers(client, world):
    client.force_login(world.organizer)
    form = client.get("/campaigns/new/").content.decode()
    assert 'type="datetime-local"' in form and "framework_county" in form
    response = client.post("/campaigns/new/", {
        "title": "浏览器建的任务", "year": "2020", "basis": "榆政办函〔2020〕203号", "issuer": "测试", "contact_name": "虚构",
        "contact_phone": "0912-5550003", "contact_email": "", "opens_at": "2020-12-01T09:00", "deadline": "2020-12-11T17:00",
        "framework_county": "yulin-2020-county", "framework_department": "", "framework_institution": "",
        "max_file_mb": "200", "unit_quota_mb": "2048", "notice": "请按时报送。",
    })
    campaign = Campaign.objects.get(title="浏览器建的任务")
    assert response.status_code == 302
    from pinggu.lib.dates import cn_datetime

    assert cn_datetime(campaign.deadline) == "2020年12月11日 17:00"  # read as Beijing time
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "2020年12月11日 17:00" in page


def test_notice_page_renders_markdown_safely_and_offers_attachments(client, world):
    world.campaign.notice = "**请按时报送**\n\n<script>alert(1)</script>\n\n[链接](javascript:alert(1))"
    world.campaign.save()
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/notice/").content.decode()
    assert "<strong>请按时报送</strong>" in page
    assert "<script>alert(1)" not in page and "javascript:" not in page
    assert "县级政府评估工作印证材料报送清单" in page and "市级部门评估工作印证材料报送清单" not in page  # only its own checklist
    assert "虚构联系人" in page
    xlsx = client.get(f"/campaigns/{world.campaign.pk}/notice/county.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].startswith("attachment")
    docx = client.get(f"/campaigns/{world.campaign.pk}/notice/county.docx")
    assert docx.status_code == 200
    assert client.get(f"/campaigns/{world.campaign.pk}/notice/department.xlsx").status_code == 403


def test_framework_used_by_campaign_cannot_be_deleted(world):
    fw = Framework.objects.get(code="yulin-2020-county")
    with pytest.raises(fw_services.FrameworkError):
        fw_services.delete(fw)
    assert Framework.objects.get(code="yulin-2020-county").deleted_at is None


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "units.xlsx"
    return buffer


def test_unit_import_xlsx_and_export(client, world):
    client.force_login(world.organizer)
    f = _xlsx([["名称", "类型", "联系人", "电话", "邮箱"],
               ["榆阳区", "县级政府", "虚构甲", "0912-5550010", "yy@example.org"],
               ["市教育局", "市级部门", None, None, None],
               [None, None, None, None, None],
               ["市档案馆", "直属事业单位", "虚构乙", "", ""]])
    client.post("/campaigns/units/import/", {"file": f})
    assert set(Unit.objects.values_list("name", flat=True)) >= {"榆阳区", "市教育局", "市档案馆"}
    assert Unit.objects.get(name="榆阳区").code == "yyq"
    export = client.get("/campaigns/units/export.xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in ws[1]] == ["名称", "类型", "联系人", "电话", "邮箱", "代码", "排序号"]
    assert ("榆阳区", "县级政府", "虚构甲", "0912-5550010", "yy@example.org", "yyq", None) in [r for r in ws.iter_rows(min_row=2, values_only=True)]


def test_unit_import_row_errors_import_nothing(client, world):
    client.force_login(world.organizer)
    before = Unit.objects.count()
    csv_bytes = "名称,类型,联系人,电话,邮箱\n新单位一,县级政府,,,\n甲县,县级政府,,,\n新单位二,乡镇,,,\n新单位三,市级部门,,,bad-mail\n".encode("gb18030")
    f = io.BytesIO(csv_bytes)
    f.name = "units.csv"
    page = client.post("/campaigns/units/import/", {"file": f}).content.decode()
    assert Unit.objects.count() == before
    assert "<td>3</td><td>名称</td>" in page  # 甲县 already exists
    assert "<td>4</td><td>类型</td>" in page and "<td>5</td><td>邮箱</td>" in page


def test_campaign_list_api_queries_do_not_grow(org, world):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pinggu.campaigns import services as cs

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert org.get("/api/v1/campaigns").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(5):
        cs.create_campaign(title=f"任务{i}", year=2021, opens_at=timezone.now(), deadline=timezone.now() + timedelta(days=1),
                           frameworks={"county": "yulin-2020-county"})
    assert count() == one
