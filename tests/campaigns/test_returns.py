"""Issue 8 #3: a return (退回) and an extension (延期) reach the unit: state, reason, who, when, mail, dashboard."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from pinggu.accounts.models import AuditEvent
from pinggu.campaigns import services as cs
from pinggu.campaigns.models import EnrollmentState
from pinggu.campaigns.services import ENROLLMENT_TRANSITIONS, CampaignError, change_enrollment_state
from pinggu.campaigns.signals import enrollment_state_changed
from pinggu.evidence import services
from pinggu.lib.dates import cn_datetime
from pinggu.oversight import progress

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


def submitted(world, unit=None):
    unit = unit or world.a
    enrollment = world.enrollment(unit)
    services.add_file(enrollment, "C01", upload_file("a.pdf", PDF), user=world.sub_a if unit == world.a else world.sub_b)
    services.submit(enrollment, user=world.sub_a if unit == world.a else world.sub_b, acknowledge_incomplete=True)
    return world.enrollment(unit)


def test_return_writes_returned_with_who_when_why(world):
    enrollment = submitted(world)
    seen = []
    handler = lambda **kw: seen.append((kw["before"], kw["after"]))  # noqa: E731
    enrollment_state_changed.connect(handler)
    try:
        cs.reopen(enrollment, "C02 缺少会议记录", user=world.organizer)
    finally:
        enrollment_state_changed.disconnect(handler)
    enrollment = world.enrollment(world.a)
    assert enrollment.state == EnrollmentState.RETURNED
    assert enrollment.return_reason == "C02 缺少会议记录"
    assert enrollment.returned_by == world.organizer
    assert enrollment.returned_at and timezone.now() - enrollment.returned_at < timedelta(minutes=1)
    assert seen == [("submitted", "returned")]
    event = AuditEvent.objects.filter(action="reopen").latest("id")
    assert event.details["reason"] == "C02 缺少会议记录" and event.details["before"] == "submitted"


def test_returned_stays_returned_on_upload_until_resubmitted(world):
    enrollment = submitted(world)
    cs.reopen(enrollment, "补充材料", user=world.organizer)
    services.add_file(world.enrollment(world.a), "C02", upload_file("b.pdf", PDF + b"b"), user=world.sub_a)
    assert world.enrollment(world.a).state == EnrollmentState.RETURNED  # the label stays until they resubmit
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    assert world.enrollment(world.a).state == EnrollmentState.SUBMITTED


def test_transition_table_is_the_rule(world):
    assert EnrollmentState.RETURNED in ENROLLMENT_TRANSITIONS[EnrollmentState.SUBMITTED]
    assert EnrollmentState.SUBMITTED in ENROLLMENT_TRANSITIONS[EnrollmentState.RETURNED]
    enrollment = world.enrollment(world.b)
    with pytest.raises(CampaignError) as refused:
        change_enrollment_state(enrollment, EnrollmentState.RETURNED, user=world.organizer, reason="x")
    assert refused.value.status == 409
    with pytest.raises(CampaignError):
        cs.reopen(enrollment, "未报送也退回", user=world.organizer)
    assert world.enrollment(world.b).state == EnrollmentState.NOT_STARTED


def test_first_upload_starts_through_the_table_with_an_audit_event(world):
    seen = []
    handler = lambda **kw: seen.append((kw["before"], kw["after"]))  # noqa: E731
    enrollment_state_changed.connect(handler)
    try:
        services.add_file(world.enrollment(world.a), "C01", upload_file("a.pdf", PDF), user=world.sub_a)
        services.add_file(world.enrollment(world.a), "C02", upload_file("b.pdf", PDF + b"b"), user=world.sub_a)
    finally:
        enrollment_state_changed.disconnect(handler)
    assert world.enrollment(world.a).state == EnrollmentState.IN_PROGRESS
    assert seen == [("not_started", "in_progress")]
    assert AuditEvent.objects.filter(action="enrollment_start", unit=world.a).count() == 1


def test_return_mails_the_unit_as_reminders_do(world, django_capture_on_commit_callbacks):
    enrollment = submitted(world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cs.reopen(enrollment, "C02 缺少会议记录", user=world.organizer)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "退回" in message.subject and set(message.to) == {"a@example.org"}  # the unit's contact (sub-a has no e-mail)
    assert "C02 缺少会议记录" in message.body and "org" in message.body and "/accounts/login/" in message.body
    assert AuditEvent.objects.filter(action="notice_mail", unit=world.a).exists()


def test_extension_mails_the_unit_and_keeps_who_when(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    deadline = timezone.now() + timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        cs.extend(world.enrollment(world.a), deadline, "系统故障补报", user=world.organizer)
    enrollment = world.enrollment(world.a)
    assert enrollment.extended_by == world.organizer and enrollment.extended_at is not None
    assert len(mail.outbox) == 1 and "延期" in mail.outbox[0].subject
    assert "系统故障补报" in mail.outbox[0].body and cn_datetime(deadline) in mail.outbox[0].body


def test_dashboard_counts_returned_not_in_progress(world):
    cs.reopen(submitted(world), "补充", user=world.organizer)
    rows = {r.unit_code: r for r in progress.rows(world.campaign.enrollments.all())}
    assert rows["unit-a"].state == "returned" and rows["unit-a"].state_label == "已退回"
    totals = progress.totals(list(rows.values()))
    assert totals["by_state"]["returned"] == 1 and totals["by_state"]["in_progress"] == 0


def test_workspace_and_list_show_returned_with_reason_who_when(client, world):
    cs.reopen(submitted(world), "C02 缺少会议记录", user=world.organizer)
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    banner = page.split('id="return-notice"')[1].split("</div>")[0]
    assert "已退回" in banner and "C02 缺少会议记录" in banner and "org" in banner
    assert timezone.localtime(world.enrollment(world.a).returned_at).strftime("%H:%M") in banner
    listing = client.get("/campaigns/?all=1").content.decode()
    assert "已退回" in listing and "C02 缺少会议记录" in listing
    # after resubmitting the banner goes
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    assert 'id="return-notice"' not in client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()


def test_web_return_form_returns(client, world):
    submitted(world)
    client.force_login(world.organizer)
    client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/reopen/", {"reason": "请补充 C05"})
    assert world.enrollment(world.a).state == "returned"
    dashboard = client.get(f"/campaigns/{world.campaign.pk}/progress/").content.decode()
    assert "state-returned" in dashboard


def test_workspace_shows_extension_with_reason(client, world):
    deadline = timezone.now() + timedelta(days=10)
    cs.extend(world.enrollment(world.a), deadline, "系统故障补报", user=world.organizer)
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    banner = page.split('id="extension-notice"')[1].split("</div>")[0]
    assert "系统故障补报" in banner and cn_datetime(deadline) in banner


def test_api_shows_returned_with_reason_by_at_and_extension_reason(client, world):
    submitted(world)
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    body = client.post(f"{base}/reopen", json.dumps({"reason": "C02 缺少材料"}), content_type="application/json", **org).json()
    assert body["state"] == "returned" and body["return_reason"] == "C02 缺少材料"
    assert body["returned_by"] == "org" and body["returned_at"]
    ext = client.post(f"{base}/extension", json.dumps({"deadline": "2099-01-01T17:00:00+08:00", "reason": "停电"}),
                      content_type="application/json", **org).json()
    assert ext["extension_reason"] == "停电"
    sub = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'sub-a')}"}
    checklist = client.get(f"{base}/checklist", **sub).json()
    assert checklist["state"] == "returned" and checklist["return_reason"] == "C02 缺少材料"
    assert checklist["extension_reason"] == "停电"
    units = client.get(f"/api/v1/campaigns/{world.campaign.pk}/progress", **org).json()["units"]
    row = next(u for u in units if u["unit_code"] == "unit-a")
    assert row["state"] == "returned" and row["return_reason"] == "C02 缺少材料" and row["returned_by"] == "org"
    assert row["extension_reason"] == "停电"
