import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from pinggu.campaigns.models import Reminder
from pinggu.evidence import services
from pinggu.oversight import reminders

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


class FlakySMTP(EmailBackend):
    """Refuses mail for one address, as a down or refusing SMTP server would."""

    def send_messages(self, messages):
        for m in messages:
            if any(addr.startswith("down@") for addr in m.to):
                raise ConnectionRefusedError("SMTP server unreachable")
        return super().send_messages(messages)


def test_remind_not_submitted_shows_and_mails(client, world, django_capture_on_commit_callbacks):
    world.sub_b.email = "sub-b@example.org"
    world.sub_b.save()
    services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    with django_capture_on_commit_callbacks(execute=True):
        batch = reminders.create_batch(world.campaign, message="请于本周五前报送。", filter="not_submitted", user=world.organizer)
    counts = reminders.summary(batch)
    assert counts["sent"] == 1 and counts["no_email"] == 1  # unit-b has addresses; dept-d has none
    assert sorted(r.enrollment.unit.code for r in batch.reminders.all()) == ["dept-d", "unit-b"]
    [message] = mail.outbox
    assert message.to == ["sub-b@example.org"] and "请于本周五前报送。" in message.body and "测试评估" in message.subject
    client.force_login(world.sub_b)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-b/").content.decode()
    assert "请于本周五前报送。" in page and "知道了" in page
    client.post(f"/campaigns/{world.campaign.pk}/units/unit-b/reminders/read/")
    assert "请于本周五前报送。" not in client.get(f"/campaigns/{world.campaign.pk}/units/unit-b/").content.decode()
    client.force_login(world.sub_a)
    assert "请于本周五前报送。" not in client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()


def test_has_empty_filter_and_quiet_period(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders.create_batch(world.campaign, message="一", filter="has_empty")
        again = reminders.create_batch(world.campaign, message="二", unit_codes=["unit-a"])
        forced = reminders.create_batch(world.campaign, message="三", unit_codes=["unit-a"], force=True)
    assert first.reminders.count() == 3
    assert reminders.summary(again)["skipped"] == 1
    assert reminders.summary(forced)["skipped"] == 0
    Reminder.objects.update(created_at=timezone.now() - timedelta(hours=25))
    with django_capture_on_commit_callbacks(execute=True):
        later = reminders.create_batch(world.campaign, message="四", unit_codes=["unit-a"])
    assert reminders.summary(later)["skipped"] == 0


def test_failures_per_unit_and_retry(world, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.campaigns.test_reminders.FlakySMTP"
    world.a.contact_email = "down@example.org"
    world.a.save()
    world.b.contact_email = "ok@example.org"
    world.b.save()
    with django_capture_on_commit_callbacks(execute=True):
        batch = reminders.create_batch(world.campaign, message="催", unit_codes=["unit-a", "unit-b"])
    results = {r.enrollment.unit.code: r for r in batch.reminders.all()}
    assert results["unit-a"].status == "failed" and "SMTP" in results["unit-a"].error
    assert results["unit-b"].status == "sent"
    world.a.contact_email = "fixed@example.org"
    world.a.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.retry_failed(batch) == 1
    assert batch.reminders.get(enrollment__unit=world.a).status == "sent"
    assert batch.reminders.get(enrollment__unit=world.a).attempts == 2


def test_reminder_api(client, world, django_capture_on_commit_callbacks):
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    url = f"/api/v1/campaigns/{world.campaign.pk}/reminders"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, json.dumps({"unit_codes": ["unit-a"], "message": "请尽快报送"}), content_type="application/json", **org)
    assert response.status_code == 201
    body = response.json()
    assert body["units"][0]["unit_code"] == "unit-a" and body["units"][0]["status"] in ("pending", "no_email", "sent")
    polled = client.get(f"{url}/{body['id']}", **org).json()
    assert polled["units"][0]["status"] == "sent" and polled["units"][0]["emailed_to"] == ["a@example.org"]
    assert client.post(url, json.dumps({"filter": "bogus"}), content_type="application/json", **org).status_code == 400
    sub = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    assert client.post(url, json.dumps({"filter": "not_submitted"}), content_type="application/json", **sub).status_code == 403
