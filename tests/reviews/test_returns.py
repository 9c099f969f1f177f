"""退回补充 in rounds (issue 10 §4): rounds numbered, only the returned points writable until the round's due
time, resubmission closes the round, the evaluator sees what is new; and the API contract."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns import services as cs
from pinggu.campaigns.models import EnrollmentState
from pinggu.errors import DomainError
from pinggu.evidence import services as evidence
from pinggu.evidence.models import Response, ResponseStatus
from pinggu.reviews import returns
from pinggu.reviews.models import ReturnRound
from pinggu.reviews.services import ReviewError

from .test_api import api
from .test_services import scored  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def due(hours=48):
    return timezone.now() + timedelta(hours=hours)


def test_rounds_are_numbered_and_reopen_exactly_the_chosen_points(scored):  # noqa: F811
    e = scored.enrollment(0)
    r1 = returns.return_points(e, ["a1-1", "a2-2"], reason="材料不全", due=due(), user=scored.first)
    assert r1.number == 1
    e.refresh_from_db()
    assert e.state == EnrollmentState.RETURNED and e.return_reason == "材料不全"
    statuses = dict(Response.objects.filter(enrollment=e).values_list("checkpoint__code", "status"))
    assert {c for c, s in statuses.items() if s == ResponseStatus.RETURNED} == {"a1-1", "a2-2"}
    assert AuditEvent.objects.filter(action="return_round").count() == 1
    evidence.add_link(e, "a1-1", "https://example.org/new", user=scored.subs[0])
    evidence.submit(e, user=scored.subs[0], acknowledge_incomplete=True)
    e.refresh_from_db()
    assert e.state == EnrollmentState.SUBMITTED
    assert ReturnRound.objects.get(pk=r1.pk).resubmitted_at is not None
    r2 = returns.return_points(e, ["b-1"], reason="第二轮", due=due(), user=scored.organizer)
    assert r2.number == 2
    assert [r["round"] for r in returns.rounds_of(e)] == [1, 2]


def test_only_returned_points_are_writable(scored):  # noqa: F811
    e = scored.enrollment(0)
    returns.return_points(e, ["a1-1"], reason="补充", due=due(), user=scored.first)
    with pytest.raises(DomainError) as refused:
        evidence.add_link(e, "a2-1", "https://example.org/x", user=scored.subs[0])
    assert refused.value.code == "point_not_returned"
    assert "未被退回补充" in refused.value.message
    with pytest.raises(DomainError) as refused:
        evidence.set_response(e, "a2-1", status="not_applicable", note="无", user=scored.subs[0])
    assert refused.value.code == "point_not_returned"
    evidence.add_link(e, "a1-1", "https://example.org/ok", user=scored.subs[0])
    assert Response.objects.get(enrollment=e, checkpoint__code="a1-1").status == ResponseStatus.DONE


def test_the_rounds_due_time_replaces_the_deadline(scored):  # noqa: F811
    e = scored.enrollment(0)
    campaign = scored.campaign
    cs.change_state(campaign, "closed")  # past the campaign's 报送 period, the round still opens its points
    returns.return_points(e, ["a1-1"], reason="补充", due=due(1), user=scored.first)
    evidence.add_link(e, "a1-1", "https://example.org/ok", user=scored.subs[0])
    later = timezone.now() + timedelta(hours=2)
    assert cs.window_of(e, later, "a1-1") == "round_due_passed"
    assert cs.write_refusal(e, later, "a1-1").code == "deadline_passed"
    ReturnRound.objects.filter(enrollment=e).update(due=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        evidence.add_link(e, "a1-1", "https://example.org/late", user=scored.subs[0])
    assert refused.value.status == 410 and "退回补充的截止时间" in refused.value.message


@pytest.mark.parametrize("kwargs, code", [
    ({"checkpoints": [], "reason": "x"}, "no_checkpoints"),
    ({"checkpoints": ["a1-1"], "reason": " "}, "reason_required"),
    ({"checkpoints": ["nope"], "reason": "x"}, "not_found"),
    ({"checkpoints": ["a1-1"], "reason": "x", "due": -1}, "invalid_due"),
])
def test_refusals(scored, kwargs, code):  # noqa: F811
    hours = kwargs.pop("due", 24)
    with pytest.raises(ReviewError) as refused:
        returns.return_points(scored.enrollment(0), kwargs["checkpoints"], reason=kwargs["reason"], due=due(hours),
                              user=scored.first)
    assert refused.value.code == code


def test_not_submitted_unit_and_other_evaluators_are_refused(scored):  # noqa: F811
    with pytest.raises(ReviewError) as refused:
        returns.return_points(scored.enrollment(2), ["a1-1"], reason="x", due=due(), user=scored.first)
    assert refused.value.code == "not_submitted"
    with pytest.raises(ReviewError) as refused:
        returns.return_points(scored.enrollment(0), ["a1-1"], reason="x", due=due(), user=scored.subs[0])
    assert refused.value.code == "forbidden"


def test_new_material_is_after_the_round_started(scored):  # noqa: F811
    e = scored.enrollment(0)
    assert returns.new_since(e) is None
    r = returns.return_points(e, ["a1-1"], reason="补充", due=due(), user=scored.first)
    new, _ = evidence.add_link(e, "a1-1", "https://example.org/new", user=scored.subs[0])
    assert new.uploaded_at > returns.new_since(e) == r.created_at


def test_api_contract(client, scored):  # noqa: F811
    eva = api(client, "eva1")
    cid = scored.campaign.pk
    response = eva("POST", f"{cid}/units/u-a/returns",
                   {"checkpoints": ["a2-2", "a1-1"], "reason": "请补充", "due": "2099-05-01T17:00:00+08:00"})
    assert response.status_code == 201, response.content
    assert response.json() == {"round": 1, "checkpoints": ["a1-1", "a2-2"], "due": "2099-05-01T17:00:00+08:00"}
    again = eva("POST", f"{cid}/units/u-a/returns", {"checkpoints": ["a1-1"], "reason": "x", "due": "2099-05-01T17:00:00+08:00"})
    assert again.status_code == 409 and again.json()["error"] == "not_submitted"
    sub = api(client, "sub-u-a")
    refused = sub("POST", f"{cid}/units/u-a/checkpoints/a2-1/evidence", {"url": "https://example.org/x"})
    assert refused.status_code == 409 and refused.json()["error"] == "point_not_returned"
    missing = eva("POST", f"{cid}/units/u-b/returns", {"checkpoints": ["zz"], "reason": "x", "due": "2099-05-01T17:00:00+08:00"})
    assert missing.status_code == 404


def test_an_extension_reopens_a_round_past_its_due_time(scored):  # noqa: F811
    e = scored.enrollment(0)
    returns.return_points(e, ["a1-1"], reason="补充", due=due(1), user=scored.first)
    ReturnRound.objects.filter(enrollment=e).update(due=timezone.now() - timedelta(minutes=1))
    assert cs.window_of(scored.enrollment(0), point="a1-1") == "round_due_passed"
    cs.extend(scored.enrollment(0), due(24), "补充材料较多", user=scored.organizer)
    assert cs.window_of(scored.enrollment(0), point="a1-1") is None
    assert cs.window_of(scored.enrollment(0), point="a2-1") == "point_not_returned"


def test_the_unit_is_told_by_mail_with_the_reason(scored, django_capture_on_commit_callbacks, mailoutbox):  # noqa: F811
    scored.units[0].contact_email = "a@example.org"
    scored.units[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        returns.return_points(scored.enrollment(0), ["a1-1"], reason="请补充会议记录", due=due(), user=scored.first)
    assert any("请补充会议记录" in m.body for m in mailoutbox)
