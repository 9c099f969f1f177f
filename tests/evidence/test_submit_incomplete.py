"""Issue 8 #6: submitting with empty points needs an explicit acknowledgement, and is recorded as incomplete."""

import pytest

from pinggu.accounts.models import AuditEvent
from pinggu.errors import DomainError
from pinggu.evidence import services
from pinggu.evidence.models import ANSWERED_STATUSES, ResponseStatus
from pinggu.oversight import progress

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


def test_answered_is_one_named_set():
    assert ANSWERED_STATUSES == frozenset({ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE})


def test_service_refuses_incomplete_without_acknowledgement(world):
    enrollment = world.enrollment(world.a)
    services.add_file(enrollment, "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    with pytest.raises(DomainError) as refused:
        services.submit(enrollment, user=world.sub_a)
    assert refused.value.code == "incomplete_submission" and refused.value.status == 409
    assert len(refused.value.extra["empty_points"]) == 35 and "C01" not in refused.value.extra["empty_points"]
    assert world.enrollment(world.a).state == "in_progress"
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    enrollment = world.enrollment(world.a)
    assert enrollment.state == "submitted" and enrollment.submitted_incomplete and enrollment.empty_at_submit == 35
    event = AuditEvent.objects.filter(action="submit").latest("id")
    assert event.details["empty_count"] == 35


def test_complete_submission_needs_no_acknowledgement(world):
    enrollment = world.enrollment(world.d)
    from pinggu.frameworks.models import Checkpoint

    for cp in Checkpoint.objects.filter(framework=enrollment.framework):
        services.set_response(enrollment, cp.code, status="not_applicable", note="不涉及", user=world.sub_d)
    services.submit(world.enrollment(world.d), user=world.sub_d)
    enrollment = world.enrollment(world.d)
    assert enrollment.state == "submitted" and not enrollment.submitted_incomplete and enrollment.empty_at_submit == 0


def test_submit_page_lists_empty_points_with_links_and_needs_the_tick(client, world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    client.force_login(world.sub_a)
    url = f"/campaigns/{world.campaign.pk}/units/unit-a/submit/"
    page = client.get(url).content.decode()
    assert f'href="/campaigns/{world.campaign.pk}/units/unit-a/#point-C02"' in page
    assert f'href="/campaigns/{world.campaign.pk}/units/unit-a/#point-C01"' not in page
    assert "我已知晓以下 35 个考核点尚未填报，仍然报送" in page and 'name="acknowledge_incomplete"' in page
    refused = client.post(url).content.decode()
    assert world.enrollment(world.a).state == "in_progress"
    assert "请勾选" in refused and "#point-C02" in refused
    client.post(url, {"acknowledge_incomplete": "1"})
    assert world.enrollment(world.a).state == "submitted" and world.enrollment(world.a).empty_at_submit == 35


def test_api_submit_answers_409_with_the_empty_codes_then_accepts_the_acknowledgement(client, world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    url = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/submit"
    refused = client.post(url, **auth)
    assert refused.status_code == 409
    body = refused.json()
    assert body["error"] == "incomplete_submission" and "C02" in body["empty_points"] and "C01" not in body["empty_points"]
    also_refused = client.post(url, '{"acknowledge_incomplete": false}', content_type="application/json", **auth)
    assert also_refused.status_code == 409
    ok = client.post(url, '{"acknowledge_incomplete": true}', content_type="application/json", **auth)
    assert ok.status_code == 200
    assert ok.json()["state"] == "submitted" and ok.json()["submitted_incomplete"] is True and ok.json()["empty_at_submit"] == 35
    assert len(ok.json()["empty_points"]) == 35


def test_dashboard_marks_incomplete_submission(client, world):
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    rows = {r.unit_code: r for r in progress.rows(world.campaign.enrollments.all())}
    assert rows["unit-a"].state == "submitted" and rows["unit-a"].incomplete
    assert rows["unit-a"].state_label == "已报送（不完整）"
    client.force_login(world.organizer)
    page = client.get(f"/campaigns/{world.campaign.pk}/progress/").content.decode()
    assert "已报送（不完整）" in page
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    units = client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **org).json()["units"]
    row = next(u for u in units if u["unit_code"] == "unit-a")
    assert row["submitted_incomplete"] is True and row["empty_at_submit"] == 36


def test_workspace_submit_page_and_dashboard_agree_on_answered(world):
    """One definition of answered (ANSWERED_STATUSES): a point in every status counts the same everywhere."""
    from pinggu.evidence.models import Response
    from pinggu.frameworks.models import Checkpoint

    enrollment = world.enrollment(world.a)
    cps = list(Checkpoint.objects.filter(framework=enrollment.framework).order_by("position")[:4])
    for cp, status in zip(cps, [ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE, ResponseStatus.RETURNED, ResponseStatus.EMPTY]):
        Response.objects.create(enrollment=enrollment, checkpoint=cp, status=status)
    counted = services.checklist(enrollment).progress
    empty = services.empty_points(enrollment)
    row = next(r for r in progress.rows(world.campaign.enrollments.all()) if r.unit_code == "unit-a")
    matrix = next(m for m in progress.matrices([row]))
    matrix_done = sum(1 for status in matrix.units[0][1] if status in ANSWERED_STATUSES)
    assert counted["done"] == row.done == matrix_done == counted["total"] - len(empty) == 2
    assert cps[2].code in [cp.code for cp in empty]  # a returned point is not answered
