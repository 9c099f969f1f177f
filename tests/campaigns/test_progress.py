import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pinggu.campaigns.models import Enrollment, Unit
from pinggu.evidence import services
from pinggu.evidence.models import Response
from pinggu.frameworks.models import Checkpoint, UnitKind
from pinggu.oversight import progress

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


def test_rows_count_states_and_sort_by_pinyin(world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    services.set_response(world.enrollment(world.a), "C26", status="not_applicable", note="不涉及", user=world.sub_a)
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    enrollment_b = world.enrollment(world.b)
    enrollment_b.extended_deadline = None
    world.campaign.deadline = timezone.now() - timedelta(hours=1)
    world.campaign.save()
    rows = {r.unit_code: r for r in progress.rows(world.campaign.enrollments.all())}
    a = rows["unit-a"]
    assert (a.state, a.done, a.not_applicable, a.total, a.files, a.bytes) == ("submitted", 2, 1, 36, 1, len(PDF))
    assert rows["unit-b"].state == "overdue"  # not submitted, deadline passed
    names = [r.unit_name for r in progress.filter_and_sort(list(rows.values()))]
    assert names == ["甲县", "乙县", "市测试局"]  # counties first (jia, yi), then the department (issue 8, point 14)
    assert [r.unit_name for r in progress.filter_and_sort(list(rows.values()), sort="done", descending=True)][0] == "甲县"
    assert [r.unit_code for r in progress.filter_and_sort(list(rows.values()), kind="department")] == ["dept-d"]
    assert [r.unit_code for r in progress.filter_and_sort(list(rows.values()), state="overdue")] == ["unit-b", "dept-d"]


def test_progress_api_shape_and_permissions(client, world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    body = client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **org).json()
    assert body["totals"]["units"] == 3 and body["totals"]["files"] == 1
    unit = next(u for u in body["units"] if u["unit_code"] == "unit-a")
    assert set(unit) >= {"unit_code", "unit_name", "kind", "state", "done", "not_applicable", "total", "files", "bytes", "last_activity"}
    assert unit["state"] == "in_progress" and unit["done"] == 1 and unit["kind"] == "county"
    eva = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'eva')}"}
    assert [u["unit_code"] for u in client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **eva).json()["units"]] == ["unit-a"]
    sub = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    assert client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **sub).status_code == 403
    for path in ("export/progress.xlsx", "export/evidence.zip", "export/notice.docx"):
        assert client.get(f"/api/v1/campaigns/{world.campaign.pk}/{path}", **sub).status_code == 403
    client.force_login(world.sub_a)
    for path in ("progress/", "matrix/", "remind/", "export/", "export/progress.xlsx", "export/evidence.zip", "export/notice.docx"):
        assert client.get(f"/campaigns/{world.campaign.pk}/{path}").status_code == 403, path


def test_dashboard_and_matrix_pages(client, world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    client.force_login(world.organizer)
    page = client.get(f"/campaigns/{world.campaign.pk}/progress/?sort=-done").content.decode()
    assert page.index("甲县") < page.index("乙县")
    data = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert {k["name"] for k in data["kinds"]} == {"县级政府", "市级部门"} and data["empty"]
    matrix = client.get(f"/campaigns/{world.campaign.pk}/matrix/").content.decode()
    assert f'/campaigns/{world.campaign.pk}/units/unit-a/#point-C01' in matrix
    assert "<small>1/2</small>" in matrix  # C01 done by one of the two counties
    assert matrix.count('class="s-done"') == 1


def populate(campaign, n, kind):
    """n more enrolled units, each with a few responses, in bulk."""
    start = Unit.objects.count()
    units = Unit.objects.bulk_create([Unit(name=f"测试单位{start + i:04d}", code=f"u{start + i:04d}", kind=kind) for i in range(n)])
    framework = campaign.framework_links.get(unit_kind=kind).framework
    enrollments = Enrollment.objects.bulk_create([Enrollment(campaign=campaign, unit=u, framework=framework) for u in units])
    cps = list(Checkpoint.objects.filter(framework=framework)[:3])
    Response.objects.bulk_create([Response(enrollment=e, checkpoint=cp, status="done") for e in enrollments for cp in cps])


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_units(client, world):
    client.force_login(world.organizer)
    county = UnitKind.objects.get(code="county")
    populate(world.campaign, 7, county)  # 10 units in all
    c = world.campaign.pk
    urls = [f"/campaigns/{c}/progress/", f"/campaigns/{c}/matrix/", f"/api/v1/campaigns/{c}/progress"]
    token = token_for(client, "org")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    small = [queries(client, url) for url in urls]
    populate(world.campaign, 490, county)  # 500 units
    large = [queries(client, url) for url in urls]
    assert large == small, (small, large)
    assert world.campaign.enrollments.count() == 500


def test_viewer_sees_dashboard_but_cannot_export(client, world):
    client.force_login(world.viewer)
    assert client.get(f"/campaigns/{world.campaign.pk}/progress/").status_code == 200
    assert client.get(f"/campaigns/{world.campaign.pk}/matrix/").status_code == 200
    assert client.get(f"/campaigns/{world.campaign.pk}/export/evidence.zip").status_code == 403
    token = token_for(client, "boss")
    assert client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
