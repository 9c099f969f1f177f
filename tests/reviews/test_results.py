"""Issue 10 §5: what units see after publication, objections, rectification and year over year, through the API."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns.models import Campaign
from pinggu.reviews.models import Objection, Results
from pinggu.reviews.services import publish_results

from .test_api import api
from .test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

# 乙县: a2-1 19 of 20, a2-2 full → earned 79 of 90 → 87.78 + bonus 3 = 90.78; 甲县 89.11 (test_scoring by hand)
B_OVERRIDES = {"a2-1": {"verdict": "partial", "score": 19, "reason": "少一项"}, "a2-2": {"verdict": "pass"}}


@pytest.fixture
def published(scored):  # noqa: F811
    review_all(scored, 0, **{"a1-2": {"verdict": "fail", "reason": "无", "comment": "内部意见勿外传"}})
    review_all(scored, 1, **B_OVERRIDES)
    to_reviewing(scored.campaign)
    publish_results(scored.campaign, user=scored.organizer, publish_ranking=True, force=True)
    return scored


def test_before_publication_the_unit_sees_nothing(client, scored):  # noqa: F811
    review_all(scored, 0)
    assert api(client, "sub-u-a")("GET", f"{scored.campaign.pk}/units/u-a/results").status_code == 404
    client.force_login(scored.subs[0])
    page = client.get(f"/campaigns/{scored.campaign.pk}/units/u-a/results/")
    assert page.status_code == 200 and "尚未发布" in page.content.decode()


def test_unit_sees_only_its_own_results_and_never_a_private_comment(client, published):
    cid = published.campaign.pk
    sub_a = api(client, "sub-u-a")
    mine = sub_a("GET", f"{cid}/units/u-a/results")
    assert mine.status_code == 200 and mine.json()["total"] == 89.11 and mine.json()["rank"] == 2
    assert "内部意见勿外传" not in mine.content.decode()
    assert sub_a("GET", f"{cid}/units/u-b/results").status_code == 404
    assert sub_a("GET", f"{cid}/scores").status_code == 403
    client.force_login(published.subs[0])
    page = client.get(f"/campaigns/{cid}/units/u-a/results/").content.decode()
    assert "89.11" in page and "三处未公开" in page and "内部意见勿外传" not in page and "乙县" not in page
    assert client.get(f"/campaigns/{cid}/units/u-b/results/").status_code in (403, 404)
    assert client.get(f"/campaigns/{cid}/results/").status_code in (302, 403, 404)


def test_unit_results_page_links_its_report(client, published):
    """The unit reads its result and downloads its report from the same page (no link there before)."""
    cid = published.campaign.pk
    client.force_login(published.subs[0])
    page = client.get(f"/campaigns/{cid}/units/u-a/results/").content.decode()
    link = f'href="/campaigns/{cid}/units/u-a/report.docx"'
    assert link in page
    report = client.get(f"/campaigns/{cid}/units/u-a/report.docx")
    assert report.status_code == 200 and report["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")


def test_upheld_objection_changes_score_and_rank(client, published):
    cid = published.campaign.pk
    created = api(client, "sub-u-a")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "栏目齐全，见链接"})
    assert created.status_code == 201 and created.json()["state"] == "pending"
    oid = created.json()["id"]
    # Another unit's evaluator-less submitter cannot answer; the evaluator can.
    assert client.post(f"/api/v1/objections/{oid}/answer", {"decision": "rejected", "reply": "x"},
                       content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {_token(client, 'sub-u-a')}").status_code in (403, 404)
    answer = client.post(f"/api/v1/objections/{oid}/answer", {"decision": "upheld", "reply": "核实无误，改为满分", "score": 10},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(client, 'eva1')}")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["state"], answer.json()["previous_score"], answer.json()["score"]) == ("upheld", 7.5, 10.0)
    # earned 80 of 90 → 88.89 + 3 = 91.89: now first, 乙县 second
    rows = {r["unit_code"]: r for r in api(client, "org")("GET", f"{cid}/scores").json()["units"]}
    assert (rows["u-a"]["total"], rows["u-a"]["rank"], rows["u-b"]["rank"]) == (91.89, 1, 2)
    event = AuditEvent.objects.get(action="objection_upheld")
    assert event.details["previous_score"] == "7.50" and event.details["score"] == "10.00"
    # The unit sees the answer.
    client.force_login(published.subs[0])
    assert "核实无误，改为满分" in client.get(f"/campaigns/{cid}/units/u-a/results/").content.decode()
    again = client.post(f"/api/v1/objections/{oid}/answer", {"decision": "rejected", "reply": "x"},
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(client, 'eva1')}")
    assert (again.status_code, again.json()["error"]) == (409, "objection_answered")


def test_objection_upheld_to_full_marks_drops_the_reason_for_the_lost_score(client, published):
    """a2-2 restored to 10 of 10 loses nothing: its 失分原因 no longer shows (it stays in the audit log)."""
    cid = published.campaign.pk
    oid = api(client, "sub-u-a")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "栏目齐全"}).json()["id"]
    client.post(f"/api/v1/objections/{oid}/answer", {"decision": "upheld", "reply": "核实无误，改为满分", "score": 10},
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(client, 'eva1')}")
    point = next(p for p in api(client, "sub-u-a")("GET", f"{cid}/units/u-a/results").json()["checkpoints"]
                 if p["code"] == "a2-2")
    assert (point["score"], point["verdict"], point["reason"]) == (10.0, "pass", "")
    assert AuditEvent.objects.get(action="objection_upheld").details["previous_reason"] == "不全"
    client.force_login(published.subs[0])
    assert "不全" not in client.get(f"/campaigns/{cid}/units/u-a/results/").content.decode()


def test_rejected_objection_keeps_the_score(client, published):
    cid = published.campaign.pk
    oid = api(client, "sub-u-a")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "不服"}).json()["id"]
    answer = client.post(f"/api/v1/objections/{oid}/answer", {"decision": "rejected", "reply": "材料不全"},
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {_token(client, 'eva1')}")
    assert answer.status_code == 200 and answer.json()["state"] == "rejected"
    assert api(client, "org")("GET", f"{cid}/units/u-a/results").json()["total"] == 89.11
    assert Objection.objects.get(pk=oid).reply == "材料不全"


def test_objection_window_closes_with_410(client, published):
    cid = published.campaign.pk
    Results.objects.filter(campaign=published.campaign).update(published_at=timezone.now() - timedelta(days=5, minutes=1))
    late = api(client, "sub-u-a")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "不服"})
    assert (late.status_code, late.json()["error"]) == (410, "objection_window_closed")
    Campaign.objects.filter(pk=cid).update(objection_days=10)
    assert api(client, "sub-u-a")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "不服"}).status_code == 201


def test_objection_only_by_the_unit_itself(client, published):
    cid = published.campaign.pk
    assert api(client, "sub-u-b")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "x"}).status_code == 404
    assert api(client, "eva1")("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "x"}).status_code == 403


def test_rectification_rates(client, published):
    cid = published.campaign.pk
    sub_a = api(client, "sub-u-a")
    # 甲县 lost on a1-1, a1-2, a2-2 and the bonus b-x (4 of 5); 乙县 on a1-1, a1-2, a2-1, b-x
    put = sub_a("PUT", f"{cid}/units/u-a/checkpoints/a1-1/rectification", {"measures": "已补充公开三项", "done": True})
    assert put.status_code == 200 and put.json()["done"] is True
    sub_a("PUT", f"{cid}/units/u-a/checkpoints/a1-2/rectification", {"measures": "在办", "done": False})
    refused = sub_a("PUT", f"{cid}/units/u-a/checkpoints/a2-1/rectification", {"measures": "x", "done": True})
    assert (refused.status_code, refused.json()["error"]) == (400, "no_loss")
    assert sub_a("PUT", f"{cid}/units/u-b/checkpoints/a1-1/rectification", {"measures": "x", "done": True}).status_code == 404
    rates = api(client, "org")("GET", f"{cid}/rectification").json()
    rows = {r["unit_code"]: r for r in rates["units"]}
    assert (rows["u-a"]["lost"], rows["u-a"]["done"], rows["u-a"]["rate"]) == (4, 1, 0.25)
    assert (rows["u-b"]["lost"], rows["u-b"]["done"], rows["u-b"]["rate"]) == (4, 0, 0.0)
    assert rows["u-c"]["rate"] is None and (rates["lost"], rates["done"], rates["rate"]) == (8, 1, 0.125)
    assert sub_a("GET", f"{cid}/rectification").status_code == 403


def test_copy_campaign_and_year_over_year(client, published):
    cid = published.campaign.pk
    answer = api(client, "org")("POST", f"{cid}/copy", {"title": "计分任务（下一年）", "year": 2025,
                                                        "opens_at": "2025-01-01T00:00:00+08:00",
                                                        "deadline": "2025-02-01T00:00:00+08:00"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["state"], body["copied_from"], body["units"], body["evaluators"], body["frameworks"]) == (
        "draft", cid, 3, 2, {"county": "score-county"})
    copy = Campaign.objects.get(pk=body["id"])
    assert copy.copied_from_id == cid
    assert AuditEvent.objects.filter(action="campaign_copy").exists()
    assert api(client, "eva1")("POST", f"{cid}/copy", {"title": "x", "year": 2025, "opens_at": "2025-01-01T00:00:00+08:00",
                                                       "deadline": "2025-02-01T00:00:00+08:00"}).status_code == 403



def test_year_over_year_change_per_shared_indicator(client, published):
    from pinggu.campaigns import services as cs
    from pinggu.campaigns.copying import copy_campaign
    from pinggu.evidence import services as evidence
    from pinggu.reviews.services import record_review

    now = timezone.now()
    copy = copy_campaign(published.campaign, title="下一年", year=2025, opens_at=now - timedelta(days=1),
                         deadline=now + timedelta(days=7), user=published.organizer)
    cs.change_state(copy, "open")
    enrollment = copy.enrollments.get(unit__code="u-a")
    evidence.submit(enrollment, user=published.subs[0], acknowledge_incomplete=True)
    judgements = {"a1-1": {"verdict": "partial", "deductions": [{"rule": 0, "count": 3}, {"rule": 1}], "reason": "三处"},
                  "a1-2": {"verdict": "fail", "reason": "无"}, "a2-1": {"verdict": "pass"}, "a2-2": {"verdict": "pass"},
                  "b-1": {"verdict": "pass"}, "b-2": {"verdict": "not_applicable"},
                  "b-x": {"verdict": "partial", "score": 4, "reason": "部分"}}
    for code, kwargs in judgements.items():
        record_review(enrollment, code, evaluator=published.first, **kwargs)
    client.force_login(published.organizer)
    page = client.get(f"/campaigns/{copy.pk}/results/").content.decode()
    # A2 27.5 → 30 (+2.50); total 89.11 → 91.89 (+2.78); 乙县 not yet reviewed this year: no change shown
    assert "(+2.50)" in page and "+2.78" in page and "计分任务" in page
    unit_page = client.get(f"/campaigns/{copy.pk}/units/u-a/results/").content.decode()
    assert "<td>+2.50</td>" in unit_page


def _token(client, username):
    from ..conftest import token_for

    return token_for(client, username)


def test_organizer_results_page_publish_and_viewer_read_only(client, scored):  # noqa: F811
    review_all(scored, 0, **{"a1-2": {"verdict": "fail", "reason": "无", "comment": "内部意见勿外传"}})
    review_all(scored, 1, **B_OVERRIDES)
    to_reviewing(scored.campaign)
    cid = scored.campaign.pk
    client.force_login(scored.organizer)
    page = client.get(f"/campaigns/{cid}/results/").content.decode()
    assert "89.11" in page and "90.78" in page and 'id="results-chart-data"' in page and "强制发布" in page
    client.post(f"/campaigns/{cid}/results/lock/")
    assert Results.objects.get(campaign=scored.campaign).locked_at is not None
    client.post(f"/campaigns/{cid}/results/publish/", {"publish_ranking": "1"})  # 丙县 unreviewed: refused
    scored.campaign.refresh_from_db()
    assert scored.campaign.state == "reviewing"
    client.post(f"/campaigns/{cid}/results/publish/", {"publish_ranking": "1", "force": "1"})
    scored.campaign.refresh_from_db()
    assert scored.campaign.state == "published" and Results.objects.get(campaign=scored.campaign).ranking_published
    from ..conftest import make_user

    boss = make_user("boss", role="viewer")
    client.force_login(boss)
    page = client.get(f"/campaigns/{cid}/results/").content.decode()
    assert "90.78" in page and "发布结果" not in page
    assert client.post(f"/campaigns/{cid}/results/unlock/").status_code == 403


def test_web_objection_answer_and_rectification_remind(client, published):
    cid = published.campaign.pk
    client.force_login(published.subs[0])
    client.post(f"/campaigns/{cid}/units/u-a/points/a2-2/objection/", {"reason": "齐全"})
    client.post(f"/campaigns/{cid}/units/u-a/points/a1-1/rectification/", {"measures": "已整改", "done": "1"})
    objection = Objection.objects.get()
    client.force_login(published.first)
    assert "齐全" in client.get(f"/campaigns/{cid}/results/").content.decode()
    client.post(f"/campaigns/{cid}/objections/{objection.pk}/answer/", {"decision": "upheld", "reply": "改为满分", "score": "10"})
    objection.refresh_from_db()
    assert objection.state == "upheld" and objection.new_score == 10
    client.force_login(published.organizer)
    page = client.get(f"/campaigns/{cid}/rectification/").content.decode()
    assert "已整改 1 个" in page
    client.post(f"/campaigns/{cid}/rectification/remind/", {"message": "请完成整改"})
    from pinggu.reviews.models import RectificationNotice

    assert RectificationNotice.objects.count() == 2  # both units have open points
    client.force_login(published.subs[0])
    assert "请完成整改" in client.get(f"/campaigns/{cid}/units/u-a/results/").content.decode()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x.example/a"])
def test_objection_and_rectification_links_are_web_addresses_only(client, published, url):
    """The link a unit gives with an objection or a rectification becomes a clickable link for the evaluator and
    the organizer: only http(s), by the same rule as a link given as evidence."""
    cid = published.campaign.pk
    sub = api(client, "sub-u-a")
    refused = sub("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "见链接", "url": url})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_url")
    assert not Objection.objects.exists()
    refused = sub("PUT", f"{cid}/units/u-a/checkpoints/a2-2/rectification", {"measures": "已补", "done": True, "url": url})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_url")
    fine = sub("POST", f"{cid}/units/u-a/checkpoints/a2-2/objections", {"reason": "见链接", "url": "www.example.gov.cn/zwgk/"})
    assert fine.status_code == 201 and Objection.objects.get().url == "http://www.example.gov.cn/zwgk/"
