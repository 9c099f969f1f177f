"""Issue 9 §4: a refusal that exists on the web and in the API gives the same `error` code and HTTP status on both.

Each row: who asks, a setup step, the web request (as the pages' scripts send it, Accept: application/json) and
the API request. Both run against the same fresh world, and must answer alike.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pinggu.evidence import services as evidence

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def _submitted(world):
    evidence.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    evidence.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)


def _started(world):
    evidence.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)


@dataclass
class Case:
    name: str
    user: str
    web: Callable[[Any, Any], Any]
    api: Callable[[Any, Any], Any]
    code: str
    status: int
    setup: Callable[[Any], None] = field(default=lambda world: None)


def _ws(world, unit="unit-a"):
    return f"/campaigns/{world.campaign.pk}/units/{unit}"


def _api(world, unit="unit-a"):
    return f"/api/v1/campaigns/{world.campaign.pk}/units/{unit}"


CASES = [
    Case("write refused after submitting", "sub_a", setup=_submitted,
         web=lambda c, w: c.post(f"{_ws(w)}/points/C02/upload/", {"file": upload_file("b.pdf", PDF)}, **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/checkpoints/C02/evidence", {"file": upload_file("b.pdf", PDF)}),
         code="submitted", status=409),
    Case("submit with empty points", "sub_a", setup=_started,
         web=lambda c, w: c.post(f"{_ws(w)}/submit/", **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/submit"),
         code="incomplete_submission", status=409),
    Case("invalid transition: return an unsubmitted unit", "org",
         web=lambda c, w: c.post(f"/campaigns/{w.campaign.pk}/units/unit-a/reopen/", {"reason": "补充"}, **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/reopen", {"reason": "补充"}, content_type="application/json"),
         code="not_submitted", status=409),
    Case("evaluator may not change a unit's materials", "evaluator",
         web=lambda c, w: c.post(f"{_ws(w)}/points/C01/link/", {"url": "https://example.org/"}, **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/checkpoints/C01/evidence", {"url": "https://example.org/"},
                                 content_type="application/json"),
         code="forbidden", status=403),
    Case("a submitter may not enroll units", "sub_a",
         web=lambda c, w: c.post(f"/campaigns/{w.campaign.pk}/enroll/", {"units": ["unit-a"]}, **JSON),
         api=lambda c, w: c.post(f"/api/v1/campaigns/{w.campaign.pk}/enrollments", {"unit_codes": ["unit-a"]},
                                 content_type="application/json"),
         code="forbidden", status=403),
    Case("another unit's workspace does not exist for a submitter", "sub_a",
         web=lambda c, w: c.post(f"{_ws(w, 'unit-b')}/points/C01/link/", {"url": "https://example.org/"}, **JSON),
         api=lambda c, w: c.post(f"{_api(w, 'unit-b')}/checkpoints/C01/evidence", {"url": "https://example.org/"},
                                 content_type="application/json"),
         code="not_found", status=404),
    Case("enrolling an unknown unit", "org",
         web=lambda c, w: c.post(f"/campaigns/{w.campaign.pk}/enroll/", {"units": ["unit-a", "no-such"]}, **JSON),
         api=lambda c, w: c.post(f"/api/v1/campaigns/{w.campaign.pk}/enrollments", {"unit_codes": ["unit-a", "no-such"]},
                                 content_type="application/json"),
         code="unknown_units", status=400),
    Case("a file type that is not allowed", "sub_a",
         web=lambda c, w: c.post(f"{_ws(w)}/points/C01/upload/", {"file": upload_file("x.exe", b"MZ\x90\x00")}, **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/checkpoints/C01/evidence", {"file": upload_file("x.exe", b"MZ\x90\x00")}),
         code="type_not_allowed", status=400),
    Case("不适用 without a reason", "sub_a",
         web=lambda c, w: c.post(f"{_ws(w)}/points/C01/response/", {"status": "not_applicable", "note": ""}, **JSON),
         api=lambda c, w: c.put(f"{_api(w)}/checkpoints/C01/response", {"status": "not_applicable", "note": ""},
                                content_type="application/json"),
         code="reason_required", status=400),
    Case("a checkpoint not in the unit's checklist", "sub_a",
         web=lambda c, w: c.post(f"{_ws(w)}/points/Z99/link/", {"url": "https://example.org/"}, **JSON),
         api=lambda c, w: c.post(f"{_api(w)}/checkpoints/Z99/evidence", {"url": "https://example.org/"},
                                 content_type="application/json"),
         code="not_found", status=404),
]


def _user(world, who):
    return {"org": world.organizer, "sub_a": world.sub_a, "evaluator": world.evaluator}[who]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_web_and_api_refuse_alike(client, world, case):
    case.setup(world)
    user = _user(world, case.user)
    client.force_login(user)
    web = case.web(client, world)
    client.logout()
    api_client = type(client)()
    api_client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(api_client, user.username)}"
    api = case.api(api_client, world)
    assert api.status_code == case.status, api.content.decode()
    assert api.json()["error"] == case.code
    assert web.status_code == case.status, web.content.decode()[:500]
    assert web["Content-Type"].startswith("application/json")
    assert web.json()["error"] == case.code and web.json()["message"]


def test_a_refused_html_form_post_goes_back_with_the_message(client, world):
    """The same refusal from a plain form post: a redirect, and the message on the next page."""
    client.force_login(world.organizer)
    detail = f"/campaigns/{world.campaign.pk}/"
    response = client.post(f"/campaigns/{world.campaign.pk}/enroll/", {"units": ["no-such"]}, HTTP_REFERER=detail)
    assert response.status_code == 302
    assert "找不到这些单位：no-such" in client.get(response["Location"]).content.decode()
