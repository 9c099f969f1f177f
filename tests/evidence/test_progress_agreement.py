"""Issue 9 §2: one count of answered points, and every page, file and API answer that shows it agrees.

A unit gets a point in every state (empty without a row, empty with only deleted material, empty
after clearing a 说明, done by file, done by 说明, 不适用, returned with material, returned with only
deleted material); each consumer is read from what it renders, not from the selector.
"""

import io
import re

import pytest
from lxml import html
from openpyxl import load_workbook

from pinggu.evidence import selectors, services
from pinggu.evidence.models import Response, ResponseStatus
from pinggu.frameworks.models import Checkpoint
from pinggu.oversight import reminders

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db

ANSWERED = {"C01", "C02", "C03"}
RETURNED = {"C05", "C06"}


def give_back(world, code):
    """A reviewer returns one point for supplement (issue 10 builds its rounds on this transition)."""
    response = Response.objects.get(enrollment=world.enrollment(world.a), checkpoint__code=code)
    services.change_response_status(response, ResponseStatus.RETURNED, user=world.organizer, reason="请补充")


def every_state(world):
    a = world.enrollment(world.a)
    services.add_file(a, "C01", upload_file("一.pdf", PDF), user=world.sub_a)
    services.set_response(a, "C02", status="done", note="见政府网站公开专栏。", user=world.sub_a)
    services.set_response(a, "C03", status="not_applicable", note="本级未设该机构。", user=world.sub_a)
    gone, _ = services.add_file(a, "C04", upload_file("四.pdf", PDF), user=world.sub_a)
    services.delete(gone, user=world.sub_a)
    services.add_file(a, "C05", upload_file("五.pdf", PDF), user=world.sub_a)
    give_back(world, "C05")
    six, _ = services.add_file(a, "C06", upload_file("六.pdf", PDF), user=world.sub_a)
    give_back(world, "C06")
    services.delete(six, user=world.sub_a)  # deleting is no answer: the point stays returned
    services.set_response(a, "C07", status="done", note="草稿", user=world.sub_a)
    services.set_response(a, "C07", status="empty", note="", user=world.sub_a)
    # 乙县 answers everything (不适用 where nothing else), so it is complete.
    b = world.enrollment(world.b)
    for cp in Checkpoint.objects.filter(framework_id=b.framework_id):
        services.set_response(b, cp.code, status="not_applicable", note="测试", user=world.sub_b)
    return a, b


def test_every_consumer_shows_the_same_count(client, world):
    a, b = every_state(world)
    codes = list(Checkpoint.objects.filter(framework_id=a.framework_id).order_by("position").values_list("code", flat=True))
    total = len(codes)
    unanswered = [c for c in codes if c not in ANSWERED]
    statuses = dict(Response.objects.filter(enrollment=a).values_list("checkpoint__code", "status"))
    assert {c for c, s in statuses.items() if s == "returned"} == RETURNED
    assert statuses["C04"] == statuses["C07"] == "empty"

    # The selector itself.
    counted = selectors.progress_for(a)
    assert (counted.answered, counted.total, counted.not_applicable, counted.returned) == (3, total, 1, 2)
    assert [cp.code for cp in selectors.unanswered_points(a)] == unanswered
    assert selectors.progress_for_many([a, b])[b.pk].complete

    base = f"/campaigns/{world.campaign.pk}"
    # Workspace (the unit's own page).
    client.force_login(world.sub_a)
    page = html.fromstring(client.get(f"{base}/units/unit-a/").content)
    assert page.get_element_by_id("progress").text_content().split() == ["已填报", "3", "/", str(total)]
    # Submit page: the list of points still to answer.
    page = html.fromstring(client.get(f"{base}/units/unit-a/submit/").content)
    listed = [li.text_content().split()[0] for li in page.xpath("//ul[contains(@class, 'empty-points')]/li")]
    assert listed == unanswered
    assert f"还有 {total - 3} 个考核点没有填报" in page.text_content()
    # Checklist API and the submit refusal of the API.
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    api = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    assert client.get(f"{api}/checklist", **auth).json()["progress"] == {"done": 3, "total": total}
    refused = client.post(f"{api}/submit", **auth)
    assert refused.status_code == 409 and refused.json()["empty_points"] == unanswered

    client.force_login(world.organizer)
    # Dashboard row and totals.
    page = html.fromstring(client.get(f"{base}/progress/?kind=county").content)
    row = [tr for tr in page.xpath("//table[contains(@class, 'progress-table')]/tbody/tr") if "甲县" in tr.text_content()][0]
    cells = [td.text_content().strip() for td in row.xpath("td")]
    assert cells[3] == f"3/{total}" and cells[4] == "1"
    # Campaign page.
    page = html.fromstring(client.get(f"{base}/").content)
    row = [tr for tr in page.xpath("//tr") if "甲县" in tr.text_content()][0]
    assert f"3 / {total}" in [td.text_content().strip() for td in row.xpath("td")]
    # Matrix: the row's count, its cells, and the columns' counts.
    page = html.fromstring(client.get(f"{base}/matrix/").content)
    table = [t for t in page.xpath("//table[contains(@class, 'matrix')]") if "甲县" in t.text_content()][0]
    row = [tr for tr in table.xpath("tbody/tr") if "甲县" in tr.text_content()][0]
    assert row.xpath("th/small")[0].text_content().split()[-1] == f"3/{total}"
    classes = [td.get("class") for td in row.xpath("td")]
    assert classes.count("s-done") + classes.count("s-na") == 3 and classes.count("s-returned") == 2
    heads = {th.xpath("div")[0].text_content(): th.xpath("small")[0].text_content()
             for th in table.xpath("thead/tr/th") if th.xpath("div")}
    assert heads["C01"] == "2/2" and heads["C05"] == "1/2" and heads["C04"] == "1/2"
    # progress.xlsx.
    sheet = load_workbook(io.BytesIO(client.get(f"{base}/export/progress.xlsx").content))["县级政府"]
    head = [c.value for c in sheet[1]]
    line = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "甲县")]
    assert (line[head.index("已填报")], line[head.index("不适用")], line[head.index("考核点数")]) == (3, 1, total)
    marks = line[8:]
    assert marks.count("已填报") + marks.count("不适用") == 3 and marks.count("已退回") == 2
    # Progress API.
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    units = {u["unit_code"]: u for u in client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **auth).json()["units"]}
    assert (units["unit-a"]["done"], units["unit-a"]["not_applicable"], units["unit-a"]["total"]) == (3, 1, total)
    assert units["unit-b"]["done"] == units["unit-b"]["total"]
    # The reminders' "has empty points" filter: 甲县 (returned points are empty) and the untouched 市测试局.
    assert {e.unit.code for e in reminders.select(world.campaign, filter="has_empty")} == {"unit-a", "dept-d"}


def test_a_returned_point_is_not_answered_anywhere(client, world):
    """The issue's probe: a RETURNED point showed done on the workspace and not done on the dashboard."""
    a = world.enrollment(world.a)
    services.add_file(a, "C01", upload_file("一.pdf", PDF), user=world.sub_a)
    give_back(world, "C01")
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert re.search(r"已填报 0 / \d+", page)
    page = html.fromstring(client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/submit/").content)
    assert "C01" in [li.text_content().split()[0] for li in page.xpath("//ul[contains(@class, 'empty-points')]/li")]
