"""The API's failures: every input checked before the database, every error a JSON {error, message}."""

import json

import pytest
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory

from pinggu.site import views

from ..conftest import token_for

HUGE = "2702736968032668920135548928"  # beyond any integer column; found by the fuzzer


@pytest.fixture
def org(client, world):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_for(client, 'org')}"
    return client


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert isinstance(body["error"], str) and isinstance(body["message"], str)
    if code:
        assert body["error"] == code, body


@pytest.mark.django_db
def test_negative_offset_on_the_audit_log_is_refused(org):
    assert_error(org.get("/api/v1/audit?offset=-1"), 400, "invalid_request")
    assert "offset" in org.get("/api/v1/audit?offset=-1").json()["message"]
    assert org.get("/api/v1/audit?offset=0&limit=5").status_code == 200


@pytest.mark.django_db
def test_ids_beyond_the_integer_range_are_refused_before_the_database(org):
    assert_error(org.get(f"/api/v1/campaigns/{HUGE}/units/unit-a/checklist"), 400, "invalid_request")
    reopen = org.post(f"/api/v1/campaigns/{HUGE}/units/unit-a/reopen", json.dumps({"reason": "x"}), content_type="application/json")
    assert_error(reopen, 400, "invalid_request")
    assert_error(org.get(f"/api/v1/evidence/{HUGE}/download"), 400, "invalid_request")
    assert_error(org.get(f"/api/v1/audit?campaign={HUGE}"), 400, "invalid_request")
    # The largest id the schema allows still reaches the lookup and is simply not found.
    assert_error(org.get(f"/api/v1/campaigns/{2**63 - 1}"), 404, "not_found")


@pytest.mark.django_db
def test_unknown_api_paths_and_methods_answer_json(org):
    assert_error(org.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(org.get("/api/v1/campaigns/not-a-number"), 404, "not_found")
    not_allowed = org.delete("/api/v1/campaigns")
    assert_error(not_allowed, 405, "method_not_allowed")
    assert "GET" in not_allowed["Allow"]


@pytest.fixture
def database_gone(transactional_db):
    """From here on every query connects to a database that does not exist: a real failure, not a mock."""
    settings = connection.settings_dict
    saved = settings["NAME"]
    connection.close()
    settings["NAME"] = "/nonexistent/pinggu.sqlite3" if connection.vendor == "sqlite" else f"{saved}_gone"
    yield
    connection.close()
    settings["NAME"] = saved


@pytest.fixture
def org_token(client, world):
    return token_for(client, "org")


def test_a_failing_database_answers_json_503(org_token, database_gone):
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {org_token}")
    assert_error(client.get("/api/v1/campaigns"), 503, "database_unavailable")
    assert_error(client.get("/api/v1/audit"), 503, "database_unavailable")
    login = client.post("/api/v1/auth/token", {"username": "org", "password": "x"}, content_type="application/json")
    assert_error(login, 503, "database_unavailable")


@pytest.mark.django_db
def test_failures_outside_the_api_views_still_answer_json_on_api_paths():
    """Django's handler500 sees what escapes the API (a middleware's failure): JSON under /api/, the site's page elsewhere."""
    request = RequestFactory().get("/api/v1/campaigns")
    try:
        connection.cursor().execute("SELECT * FROM pinggu_no_such_table")
    except DatabaseError:
        assert_error(views.server_error(request), 503, "database_unavailable")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        assert_error(views.server_error(request), 500, "server_error")
        page = views.server_error(RequestFactory().get("/campaigns/"))
        assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_body_django_cannot_parse_is_the_clients_fault(client, world):
    """Found by the fuzzer: a multipart type without boundary made the failed-login bookkeeping raise."""
    response = client.post("/api/v1/auth/token", '{"username": "", "password": "x"}', content_type="multipart/form-data")
    assert_error(response, 400, "bad_request")


def test_schema_refusals_say_what_is_wrong_with_each_field(client, world):
    from ..conftest import token_for

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    r = client.get("/api/v1/audit?offset=-1&limit=0", **auth)
    assert r.status_code == 400
    assert "“offset”不能小于 0" in r.json()["message"] and "“limit”不能小于 1" in r.json()["message"]
    r = client.put(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/response",
                   json.dumps({"note": "说" * 5001}), content_type="application/json", **auth)
    message = r.json()["message"]
    assert "“status”必须填写" in message and "“note”最多 5000 个字符" in message


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused_in_chinese(client):
    response = client.post("/api/v1/auth/token", data="{bad", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_request"
    assert "JSON" in body["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
