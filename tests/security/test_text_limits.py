"""Issue 7, finding 6: every free-text field is bounded, with a clear message, and the audit log keeps excerpts."""

import hashlib
import json

import pytest

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns import services as cs
from pinggu.errors import DomainError
from pinggu.evidence import services
from pinggu.evidence.models import Response

from ..conftest import token_for

pytestmark = pytest.mark.django_db

HUGE = "很长的说明" * 2_000_000  # 10 million characters, as in the report


def test_api_refuses_a_huge_note_before_storing(client, world):
    token = token_for(client, "sub-a")
    r = client.put(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/response",
                   json.dumps({"status": "done", "note": HUGE}), content_type="application/json",
                   HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code in (400, 413), r.status_code
    assert r.json()["error"] in ("invalid_request", "request_too_large")
    assert not Response.objects.filter(note__startswith="很长").exists()


def test_web_and_service_refuse_a_note_over_the_limit_with_a_message(client, world):
    too_long = "说" * 5001
    client.force_login(world.sub_a)
    r = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/response/", {"status": "done", "note": too_long})
    assert r.status_code in (200, 400) and "最多 5000 个字" in r.content.decode()
    with pytest.raises(DomainError) as refused:
        services.set_response(world.enrollment(world.a), "C01", status="not_applicable", note=too_long, user=world.sub_a)
    assert refused.value.code == "too_long" and refused.value.status == 400
    assert not Response.objects.filter(note=too_long).exists()


@pytest.mark.parametrize("call", ["reopen", "extend", "remind", "campaign_title"])
def test_every_free_text_input_is_bounded(world, call):
    from datetime import timedelta

    from django.utils import timezone

    from pinggu.oversight import reminders

    long = "字" * 20001
    enrollment = world.enrollment(world.a)
    with pytest.raises(DomainError) as refused:
        if call == "reopen":
            enrollment.state = "submitted"
            enrollment.save()
            cs.reopen(enrollment, long, user=world.organizer)
        elif call == "extend":
            cs.extend(enrollment, timezone.now() + timedelta(days=3), long, user=world.organizer)
        elif call == "remind":
            reminders.create_batch(world.campaign, message=long, unit_codes=["unit-b"], user=world.organizer)
        else:
            cs.update_campaign(world.campaign, title=long, user=world.organizer)
    assert refused.value.code == "too_long"


def test_audit_log_keeps_an_excerpt_and_a_hash_of_long_values(world):
    note = "说明" * 2000  # 4,000 characters: allowed, but not copied whole into every audit event
    services.set_response(world.enrollment(world.a), "C01", status="done", note=note, user=world.sub_a)
    event = AuditEvent.objects.filter(action="note").latest("id")
    assert len(event.details["note"]) <= 501
    assert event.details["note_sha256"] == hashlib.sha256(note.encode()).hexdigest()
    assert event.details["note_length"] == 4000


def test_a_refused_note_stays_in_the_form(client, world):
    typed = "说" * 5001
    client.force_login(world.sub_a)
    cell = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/response/", {"status": "done", "note": typed},
                       HTTP_ACCEPT="application/json").json()["cell"]
    assert f">{typed}</textarea>" in cell and "<details class=\"mt-1 note-edit\" open>" in cell


def test_a_refused_link_keeps_the_saved_note_and_the_typed_address(client, world):
    services.set_response(world.enrollment(world.a), "C01", status="done", note="已保存的说明", user=world.sub_a)
    client.force_login(world.sub_a)
    cell = client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C01/link/", {"url": "not a url"},
                       HTTP_ACCEPT="application/json").json()["cell"]
    assert 'value="not a url"' in cell and ">已保存的说明</textarea>" in cell
