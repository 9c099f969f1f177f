"""Issue 8 #11: per kind, the dashboard counts units submitted (不完整 and 已退回 broken out), points beside."""

import json

import pytest

from pinggu.campaigns import services as cs
from pinggu.evidence import services
from pinggu.oversight import progress

from ..conftest import PDF, upload_file

pytestmark = pytest.mark.django_db


def setup_states(world):
    # 甲县: submitted incomplete, then returned; 乙县: one point, submitted incomplete; 市测试局: nothing.
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    cs.reopen(world.enrollment(world.a), "补充", user=world.organizer)
    services.add_file(world.enrollment(world.b), "C01", upload_file("b.pdf", PDF), user=world.sub_b)
    services.submit(world.enrollment(world.b), user=world.sub_b, acknowledge_incomplete=True)


def test_by_kind_counts_units_submitted_with_incomplete_and_returned(world):
    setup_states(world)
    kinds = {k["name"]: k for k in progress.by_kind(progress.rows(world.campaign.enrollments.all()))}
    county = kinds["县级政府"]
    assert (county["units"], county["submitted"], county["incomplete"], county["returned"]) == (2, 1, 1, 1)
    assert (county["done"], county["total"], county["points_percent"]) == (2, 72, 3)
    dept = kinds["市级部门"]
    assert (dept["units"], dept["submitted"], dept["incomplete"], dept["returned"], dept["points_percent"]) == (1, 0, 0, 0, 0)


def test_totals_break_out_incomplete_and_returned(world):
    setup_states(world)
    totals = progress.totals(progress.rows(world.campaign.enrollments.all()))
    assert totals["submitted"] == 1 and totals["incomplete"] == 1 and totals["returned"] == 1


def test_dashboard_page_shows_units_submitted_per_kind_first(client, world):
    setup_states(world)
    client.force_login(world.organizer)
    page = client.get(f"/campaigns/{world.campaign.pk}/progress/").content.decode()
    table = page.split('id="by-kind"')[1].split("</table>")[0]
    county = table.split("县级政府")[1].split("</tr>")[0]
    assert "1 / 2" in county and "不完整 1" in county and "已退回 1" in county and "3%" in county
    data = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    county_chart = next(k for k in data["kinds"] if k["name"] == "县级政府")
    assert county_chart["submitted"] == 1 and county_chart["units"] == 2 and county_chart["points_percent"] == 3
