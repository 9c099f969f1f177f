"""Issue 8, point 14: every list of units follows one order: kind, the organizer's sort key, then pinyin."""

import base64
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from pinggu.campaigns import services as cs
from pinggu.campaigns import unit_io
from pinggu.campaigns.models import Unit
from pinggu.oversight import progress

from ..conftest import token_for

pytestmark = pytest.mark.django_db

# (name, kind, sort key), created in a scrambled order.
SCRAMBLED = [
    ("市民政局", "department", None), ("子洲县", "county", None), ("市教育局", "department", 2), ("神木市", "county", 3),
    ("府谷县", "county", None), ("市公安局", "department", 1), ("榆阳区", "county", 1), ("市财政局", "department", None),
    ("佳县", "county", None), ("横山区", "county", 2),
]
EXPECTED = ["榆阳区", "横山区", "神木市",  # counties by sort key
            "府谷县", "佳县", "子洲县",  # then the counties without one, by pinyin (fu, jia, zi)
            "市公安局", "市教育局",  # departments by sort key
            "市财政局", "市民政局"]  # shi cai… before shi min…


def in_page_order(text, names=EXPECTED):
    positions = {name: text.index(name) for name in names}
    return sorted(names, key=positions.get)


@pytest.fixture
def scrambled(bundled, organizer):
    units = [cs.create_unit(name=n, kind=k, sort_key=s) for n, k, s in SCRAMBLED]
    now = timezone.now()
    campaign = cs.create_campaign(
        title="排序测试", year=2020, opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
        frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"},
    )
    cs.enroll(campaign, units)
    cs.change_state(campaign, "open")
    return campaign


def test_units_come_out_by_kind_sort_key_then_pinyin(scrambled, org_client, client):
    assert [u.name for u in Unit.objects.alive()] == EXPECTED
    assert [e.unit.name for e in scrambled.enrollments.all()] == EXPECTED
    rows = progress.filter_and_sort(progress.rows(scrambled.enrollments.all()))
    assert [r.unit_name for r in rows] == EXPECTED  # the dashboard's default order
    assert [r.unit_name for m in progress.matrices(rows) for r, _ in m.units] == EXPECTED

    for url in ("/campaigns/units/", f"/campaigns/{scrambled.pk}/", f"/campaigns/{scrambled.pk}/progress/",
                f"/campaigns/{scrambled.pk}/matrix/"):
        page = org_client.get(url).content.decode()
        assert in_page_order(page) == EXPECTED, url

    exported = load_workbook(io.BytesIO(org_client.get("/campaigns/units/export.xlsx").content)).active
    assert [r[0] for r in exported.iter_rows(min_row=2, values_only=True)] == EXPECTED
    progress_xlsx = load_workbook(io.BytesIO(org_client.get(f"/campaigns/{scrambled.pk}/export/progress.xlsx").content))
    names = [r[0] for ws in progress_xlsx.worksheets[:2] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] != "合计"]
    assert names == EXPECTED

    page = org_client.post(f"/campaigns/{scrambled.pk}/accounts/").content.decode()
    workbook = load_workbook(io.BytesIO(base64.b64decode(re.search(r'base64,([A-Za-z0-9+/=]+)"', page).group(1)))).active
    assert [r[0] for r in workbook.iter_rows(min_row=2, values_only=True)] == EXPECTED


def test_units_api_gives_the_same_order_and_the_sort_key(scrambled, client, organizer):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(client, organizer.username)}"
    units = client.get("/api/v1/units").json()
    assert [u["name"] for u in units] == EXPECTED
    assert units[0]["sort_key"] == 1 and units[3]["sort_key"] is None
    created = client.post("/api/v1/units", {"name": "清涧县", "kind": "county", "sort_key": 4}, content_type="application/json")
    assert created.status_code == 201 and created.json()["sort_key"] == 4
    assert [u["name"] for u in client.get("/api/v1/units").json()][:4] == ["榆阳区", "横山区", "神木市", "清涧县"]
    bad = client.post("/api/v1/units", {"name": "米脂县", "kind": "county", "sort_key": -1}, content_type="application/json")
    assert bad.status_code in (400, 422)


def test_sort_key_is_edited_in_the_form_and_renames_resort(scrambled, org_client):
    response = org_client.post("/campaigns/units/jx/", {"name": "佳县", "code": "jx", "kind": Unit.objects.get(name="佳县").kind_id,
                                                         "sort_key": "0"})
    assert response.status_code == 302
    assert [u.name for u in Unit.objects.alive()][:2] == ["佳县", "榆阳区"]
    cs.update_unit(Unit.objects.get(name="子洲县"), name="阿子洲县")  # pinyin a… now before fu…
    assert [u.name for u in Unit.objects.alive()][4] == "阿子洲县"
    org_client.post("/campaigns/units/jx/", {"name": "佳县", "code": "jx", "kind": Unit.objects.get(name="佳县").kind_id,
                                             "sort_key": ""})
    assert Unit.objects.get(name="佳县").sort_key is None


def test_sort_key_round_trips_through_the_unit_workbook(db, bundled):
    cs.create_unit(name="榆阳区", kind="county", sort_key=7)
    data = unit_io.to_xlsx(Unit.objects.alive())
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][-1] == "排序号" and sheet["G2"].value == 7
    Unit.objects.all().delete()
    created = unit_io.import_units("units.xlsx", io.BytesIO(data))
    assert created[0].sort_key == 7
    bad = "名称,类型,排序号\n米脂县,县级政府,第一\n"
    with pytest.raises(cs.CampaignError) as exc:
        unit_io.import_units("units.csv", io.BytesIO(bad.encode()))
    assert exc.value.extra["errors"][0]["column"] == "排序号"
