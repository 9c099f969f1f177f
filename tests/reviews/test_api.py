"""The review API of issue 10 §7 gives the numbers computed by hand in test_scoring."""

import json

import pytest
from django.utils import timezone

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns.models import EvaluatorAssignment
from pinggu.reviews.models import Results

from ..conftest import make_user, token_for
from .test_services import scored, to_reviewing  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def api(client, username):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, username)}"}

    def call(method, path, body=None):
        return client.generic(method, f"/api/v1/campaigns/{path}", json.dumps(body) if body is not None else "",
                              content_type="application/json", **headers)

    return call


JUDGEMENTS = {
    "a1-1": {"verdict": "partial", "deductions": [{"rule": 0, "count": 3}, {"rule": 1}], "reason": "三处未公开"},
    "a1-2": {"verdict": "fail", "reason": "无", "comment": "内部意见勿外传"},
    "a2-1": {"verdict": "pass"},
    "a2-2": {"verdict": "partial", "score": 7.5, "reason": "不全"},
    "b-1": {"verdict": "pass"},
    "b-2": {"verdict": "not_applicable"},
    "b-x": {"verdict": "partial", "score": 4, "reason": "部分"},
}


def test_review_through_the_api_matches_the_hand_computation(client, scored):  # noqa: F811
    eva = api(client, "eva1")
    cid = scored.campaign.pk
    for code, body in JUDGEMENTS.items():
        response = eva("PUT", f"{cid}/units/u-a/checkpoints/{code}/review", body)
        assert response.status_code == 200, response.content
    answer = eva("PUT", f"{cid}/units/u-a/checkpoints/a1-1/review", JUDGEMENTS["a1-1"]).json()
    # 20 − (3 × 2 + 1 × 5) = 9
    assert {k: answer[k] for k in ("verdict", "score", "max", "reason", "evaluator")} == {
        "verdict": "partial", "score": 9.0, "max": 20.0, "reason": "三处未公开", "evaluator": "eva1"}
    assert answer["deductions"] == [{"rule": 0, "text": "每例扣2分", "count": 3, "points": 2.0},
                                    {"rule": 1, "text": "缺失扣5分", "count": 1, "points": 5.0}]
    assert answer["updated_at"]
    rows = {r["unit_code"]: r for r in eva("GET", f"{cid}/scores").json()["units"]}
    # as test_points_mode_by_hand: base 86.11, bonus 3, total 89.11, 良好, rank 1 of the counties scored
    assert {k: rows["u-a"][k] for k in ("total", "base", "bonus", "grade", "vetoed", "rank", "reviewed")} == {
        "total": 89.11, "base": 86.11, "bonus": 3.0, "grade": "良好", "vetoed": False, "rank": 1, "reviewed": 7}
    assert rows["u-b"]["total"] is None and rows["u-b"]["rank"] is None
    queue = eva("GET", f"{cid}/reviews").json()["units"]
    assert [(r["unit_code"], r["reviewed"], r["total"]) for r in queue] == [("u-a", 7, 89.11), ("u-b", 0, None)]
    result = eva("GET", f"{cid}/units/u-a/results").json()
    assert result["total"] == 89.11 and len(result["checkpoints"]) == 7


@pytest.mark.parametrize(("body", "status", "error"), [
    ({"verdict": "partial", "score": 21}, 400, "score_out_of_range"),
    ({"verdict": "partial", "score": 15}, 400, "reason_required"),
    ({"verdict": "partial", "deductions": [{"rule": 9}], "reason": "x"}, 400, "invalid_deduction"),
])
def test_refusals_have_their_codes(client, scored, body, status, error):  # noqa: F811
    response = api(client, "eva1")("PUT", f"{scored.campaign.pk}/units/u-a/checkpoints/a1-1/review", body)
    assert (response.status_code, response.json()["error"]) == (status, error)


def test_409_when_not_submitted_or_locked(client, scored):  # noqa: F811
    eva = api(client, "eva1")
    response = eva("PUT", f"{scored.campaign.pk}/units/u-c/checkpoints/a1-1/review", {"verdict": "pass"})
    assert (response.status_code, response.json()["error"]) == (409, "not_submitted")
    Results.objects.create(campaign=scored.campaign, locked_at=timezone.now())
    response = eva("PUT", f"{scored.campaign.pk}/units/u-a/checkpoints/a1-1/review", {"verdict": "pass"})
    assert (response.status_code, response.json()["error"]) == (409, "results_locked")


def test_unit_sees_its_results_only_after_publication_and_never_comments(client, scored):  # noqa: F811
    eva = api(client, "eva1")
    cid = scored.campaign.pk
    for code, body in JUDGEMENTS.items():
        eva("PUT", f"{cid}/units/u-a/checkpoints/{code}/review", body)
    unit = api(client, "sub-u-a")
    assert unit("GET", f"{cid}/units/u-a/results").status_code == 404
    to_reviewing(scored.campaign)
    org = api(client, "org")
    response = org("POST", f"{cid}/publish", {"publish_ranking": False})
    assert (response.status_code, response.json()["error"], response.json()["unit_codes"]) == (409, "unreviewed_units", ["u-c", "u-b"])
    response = org("POST", f"{cid}/publish", {"publish_ranking": False, "force": True})
    assert response.status_code == 200 and response.json()["state"] == "published"
    response = unit("GET", f"{cid}/units/u-a/results")
    assert response.status_code == 200
    assert response.json()["total"] == 89.11 and response.json()["rank"] is None
    assert "内部意见勿外传" not in response.content.decode()
    assert api(client, "sub-u-b")("GET", f"{cid}/units/u-a/results").status_code == 404


def test_assign_evaluators_with_role(client, scored):  # noqa: F811
    make_user("eva3", role="evaluator")
    org = api(client, "org")
    cid = scored.campaign.pk
    response = org("POST", f"{cid}/evaluators", {"username": "eva3", "unit_codes": ["u-b"], "role": "second"})
    assert response.status_code == 201, response.content
    assignment = EvaluatorAssignment.objects.get(user__username="eva3")
    assert (assignment.unit.code, assignment.role) == ("u-b", "second")
    assert AuditEvent.objects.filter(action="evaluator_assign", details__role="second").exists()
    assert org("POST", f"{cid}/evaluators", {"username": "eva3"}).status_code == 201  # all units
    assert EvaluatorAssignment.objects.filter(user__username="eva3", unit=None, role="first").exists()
    response = org("POST", f"{cid}/evaluators", {"username": "eva3", "unit_codes": ["nope"]})
    assert (response.status_code, response.json()["error"]) == (400, "unknown_units")
    response = org("POST", f"{cid}/evaluators", {"username": "sub-u-a"})
    assert (response.status_code, response.json()["error"]) == (400, "not_evaluator")
