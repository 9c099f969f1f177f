import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from pinggu.campaigns import services as cs
from pinggu.campaigns.services import CampaignError
from pinggu.evidence import services
from pinggu.lib.dates import cn_datetime

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db


def post(client, world, unit="unit-a", point="C01", content=PDF, token=None):
    f = io.BytesIO(content)
    f.name = "材料.pdf"
    return client.post(f"/api/v1/campaigns/{world.campaign.pk}/units/{unit}/checkpoints/{point}/evidence", {"file": f},
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def pass_deadline(world):
    world.campaign.deadline = timezone.now() - timedelta(minutes=1)
    world.campaign.opens_at = timezone.now() - timedelta(days=3)
    world.campaign.save()


def test_cn_datetime_format():
    value = timezone.make_aware(datetime(2020, 12, 11, 17, 0))
    assert cn_datetime(value) == "2020年12月11日 17:00"
    assert cn_datetime(value.astimezone(UTC)) == "2020年12月11日 17:00"


def test_after_deadline_every_change_refused_naming_deadline_and_contact(client, world):
    token = token_for(client, "sub-a")
    existing, _ = services.add_file(world.enrollment(world.a), "C02", upload_file("早.pdf", PDF), user=world.sub_a)
    pass_deadline(world)
    response = post(client, world, token=token)
    assert response.status_code == 410
    body = response.json()
    assert body["error"] == "deadline_passed"
    assert cn_datetime(world.campaign.deadline) in body["message"] and "虚构联系人" in body["message"] and "0912-5550000" in body["message"]
    base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.put(f"{base}/checkpoints/C03/response", json.dumps({"status": "not_applicable", "note": "x"}),
                      content_type="application/json", **auth).status_code == 410
    assert client.delete(f"/api/v1/evidence/{existing.pk}", **auth).status_code == 410
    assert client.post(f"{base}/submit", **auth).status_code == 410
    client.force_login(world.sub_a)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert "已过" in page and "data-upload-url" not in page  # read-only, with the reason shown


def test_extension_reopens_only_that_unit(client, world):
    pass_deadline(world)
    cs.extend(world.enrollment(world.a), timezone.now() + timedelta(days=2), "系统故障补报", user=world.organizer)
    assert post(client, world, token=token_for(client, "sub-a")).status_code == 201
    assert post(client, world, unit="unit-b", token=token_for(client, "sub-b")).status_code == 410
    with pytest.raises(CampaignError):
        cs.extend(world.enrollment(world.b), timezone.now() + timedelta(days=1), "", user=world.organizer)  # reason required
    with pytest.raises(CampaignError):
        cs.extend(world.enrollment(world.b), timezone.now() - timedelta(hours=1), "过去的时间", user=world.organizer)


def test_extension_works_after_campaign_closed(client, world):
    pass_deadline(world)
    cs.change_state(world.campaign, "closed", user=world.organizer)
    world.campaign.refresh_from_db()
    cs.extend(world.enrollment(world.a), timezone.now() + timedelta(days=2), "补报", user=world.organizer)
    assert post(client, world, token=token_for(client, "sub-a")).status_code == 201


def test_extension_that_ran_out_refuses_again(world):
    pass_deadline(world)
    enrollment = world.enrollment(world.a)
    enrollment.extended_deadline = timezone.now() - timedelta(seconds=1)
    enrollment.extension_reason = "已过期的延期"
    enrollment.save()
    with pytest.raises(CampaignError) as caught:
        services.add_file(world.enrollment(world.a), "C01", upload_file("x.pdf", PDF), user=world.sub_a)
    assert caught.value.code == "deadline_passed"


def test_before_opening_refused(client, world):
    world.campaign.opens_at = timezone.now() + timedelta(days=1)
    world.campaign.save()
    response = post(client, world, token=token_for(client, "sub-a"))
    assert response.status_code == 409 and response.json()["error"] == "not_yet_open"


def test_submit_locks_until_reopened(client, world):
    token = token_for(client, "sub-a")
    base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert post(client, world, token=token).status_code == 201
    submitted = client.post(f"{base}/submit", json.dumps({"acknowledge_incomplete": True}), content_type="application/json", **auth)
    assert submitted.status_code == 200
    assert submitted.json()["state"] == "submitted" and len(submitted.json()["empty_points"]) == 35
    locked = post(client, world, point="C02", token=token)
    assert locked.status_code == 409 and locked.json()["error"] == "submitted"
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    no_reason = client.post(f"{base}/reopen", json.dumps({"reason": " "}), content_type="application/json", **org)
    assert no_reason.status_code == 400
    reopened = client.post(f"{base}/reopen", json.dumps({"reason": "C02 缺少材料"}), content_type="application/json", **org)
    assert reopened.status_code == 200 and reopened.json()["state"] == "returned"
    assert post(client, world, point="C02", token=token).status_code == 201


def test_submit_page_lists_empty_points_then_confirms(client, world):
    services.set_response(world.enrollment(world.a), "C26", status="not_applicable", note="不涉及", user=world.sub_a)
    client.force_login(world.sub_a)
    url = f"/campaigns/{world.campaign.pk}/units/unit-a/submit/"
    page = client.get(url).content.decode()
    assert "还有 35 个考核点没有填报" in page and "C01" in page and "仍然确认报送" in page
    assert world.enrollment(world.a).state == "in_progress"
    client.post(url, {"acknowledge_incomplete": "on"})
    assert world.enrollment(world.a).state == "submitted"


def test_extension_and_reopen_via_api(client, world):
    org = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    base = f"/api/v1/campaigns/{world.campaign.pk}/units/unit-b"
    naive = client.post(f"{base}/extension", json.dumps({"deadline": "2099-01-01T17:00:00", "reason": "x"}),
                        content_type="application/json", **org)
    assert naive.status_code == 400
    ok = client.post(f"{base}/extension", json.dumps({"deadline": "2099-01-01T17:00:00+08:00", "reason": "停电"}),
                     content_type="application/json", **org)
    assert ok.status_code == 200 and ok.json()["deadline"].startswith("2099-01-01T")
