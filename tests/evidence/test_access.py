"""A unit never sees or changes another unit's data: every route, web and API."""

import pytest

from pinggu.evidence import services

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_evidence(world):
    item, _ = services.add_file(world.enrollment(world.a), "C01", upload_file("甲县制度.pdf", PDF), user=world.sub_a)
    return item


def web_routes(w, evidence_id):
    c = w.campaign.pk
    return [
        ("get", f"/campaigns/{c}/units/unit-a/", {}),
        ("get", f"/campaigns/{c}/units/unit-a/submit/", {}),
        ("post", f"/campaigns/{c}/units/unit-a/submit/", {}),
        ("post", f"/campaigns/{c}/units/unit-a/points/C02/upload/", {"file": upload_file("x.pdf", PDF)}),
        ("post", f"/campaigns/{c}/units/unit-a/points/C02/link/", {"url": "https://example.org/x"}),
        ("post", f"/campaigns/{c}/units/unit-a/points/C02/response/", {"status": "not_applicable", "note": "x"}),
        ("get", f"/evidence/{evidence_id}/download/", {}),
        ("post", f"/evidence/{evidence_id}/delete/", {}),
        ("post", f"/evidence/{evidence_id}/restore/", {}),
    ]


def api_routes(w, evidence_id):
    c = w.campaign.pk
    base = f"/api/v1/campaigns/{c}/units/unit-a"
    return [
        ("get", f"{base}/checklist", None),
        ("post", f"{base}/checkpoints/C02/evidence", {"url": "https://example.org/x"}),
        ("put", f"{base}/checkpoints/C02/response", {"status": "not_applicable", "note": "x"}),
        ("post", f"{base}/submit", None),
        ("get", f"/api/v1/evidence/{evidence_id}/download", None),
        ("delete", f"/api/v1/evidence/{evidence_id}", None),
        ("post", f"/api/v1/evidence/{evidence_id}/restore", None),
        ("post", f"{base}/reopen", {"reason": "x"}),
        ("post", f"{base}/extension", {"deadline": "2099-01-01T17:00:00+08:00", "reason": "x"}),
    ]


def call(client, method, url, data, **extra):
    if method in ("put", "delete") or (method == "post" and url.startswith("/api/")):
        import json

        return getattr(client, method)(url, json.dumps(data) if data is not None else "", content_type="application/json", **extra)
    return getattr(client, method)(url, data or {}, **extra)


def snapshot(w):
    from pinggu.accounts.models import AuditEvent
    from pinggu.evidence.models import Evidence, Response

    e = w.enrollment(w.a)
    return (e.state, e.extended_deadline, list(Evidence.objects.values_list("id", "deleted_at")),
            list(Response.objects.values_list("status", "note")),
            AuditEvent.objects.filter(unit=w.a).exclude(action="download").count())


@pytest.mark.parametrize("who", ["sub_b", "sub_d"])
def test_other_unit_gets_404_on_every_web_route(client, world, a_evidence, who):
    client.force_login(getattr(world, who))
    before = snapshot(world)
    for method, url, data in web_routes(world, a_evidence.pk):
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot(world) == before


@pytest.mark.parametrize("who", ["sub-b", "sub-d"])
def test_other_unit_gets_404_on_every_api_route(client, world, a_evidence, who):
    token = token_for(client, who)
    before = snapshot(world)
    for method, url, data in api_routes(world, a_evidence.pk):
        response = call(client, method, url, data, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot(world) == before


def test_evaluator_reads_only_assigned_unit(client, world, a_evidence):
    client.force_login(world.evaluator)
    c = world.campaign.pk
    assert client.get(f"/campaigns/{c}/units/unit-a/").status_code == 200
    assert client.get(f"/evidence/{a_evidence.pk}/download/").status_code == 200
    assert client.get(f"/campaigns/{c}/units/unit-b/").status_code == 404
    before = snapshot(world)
    response = client.post(f"/campaigns/{c}/units/unit-a/points/C02/link/", {"url": "https://example.org/x"})
    assert "没有权限" in response.content.decode()
    assert client.post(f"/evidence/{a_evidence.pk}/delete/").status_code == 200  # answered with the refusal in the cell
    assert snapshot(world) == before


def test_viewer_reads_everything_changes_nothing(client, world, a_evidence):
    token = token_for(client, "boss")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    c = world.campaign.pk
    assert client.get(f"/api/v1/campaigns/{c}/units/unit-b/checklist", **auth).status_code == 200
    before = snapshot(world)
    for method, url, data in api_routes(world, a_evidence.pk):
        if method == "get":
            continue
        assert call(client, method, url, data, **auth).status_code == 403, url
    assert snapshot(world) == before


def test_submitter_sees_only_own_campaign_units(client, world):
    token = token_for(client, "sub-a")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/units", **auth).status_code == 403
    assert client.get("/api/v1/audit", **auth).status_code == 403
    campaigns = client.get("/api/v1/campaigns", **auth).json()
    assert [c["id"] for c in campaigns] == [world.campaign.pk]
    c = world.campaign.pk
    assert client.get(f"/api/v1/campaigns/{c}/units/unit-a/checklist", **auth).status_code == 200


def test_draft_campaign_invisible_to_units(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from pinggu.campaigns import services as cs

    draft = cs.create_campaign(title="草稿任务", year=2021, opens_at=timezone.now(), deadline=timezone.now() + timedelta(days=3),
                               frameworks={"county": "yulin-2020-county"})
    cs.enroll(draft, [world.a])
    token = token_for(client, "sub-a")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert draft.pk not in [c["id"] for c in client.get("/api/v1/campaigns", **auth).json()]
    assert client.get(f"/api/v1/campaigns/{draft.pk}/units/unit-a/checklist", **auth).status_code == 404


def test_deleted_evidence_hidden_from_unit_visible_to_organizer(client, world, a_evidence):
    services.delete(a_evidence, user=world.sub_a)
    client.force_login(world.sub_a)
    assert client.get(f"/evidence/{a_evidence.pk}/download/").status_code == 404
    client.force_login(world.organizer)
    assert client.get(f"/evidence/{a_evidence.pk}/download/").status_code == 200
    page = client.get(f"/campaigns/{world.campaign.pk}/deleted/").content.decode()
    assert "甲县制度.pdf" in page


def test_next_parameter_cannot_leave_the_site(client, world):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(world.organizer)
    response = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/extension/", {
        "deadline": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "reason": "停电",
        "next": "https://evil.example.com/phish",
    })
    assert response.status_code == 302 and response.url == f"/campaigns/{world.campaign.pk}/"
    same_site = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/extension/", {
        "deadline": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "reason": "停电",
        "next": f"/campaigns/{world.campaign.pk}/units/unit-a/",
    })
    assert same_site.url == f"/campaigns/{world.campaign.pk}/units/unit-a/"
