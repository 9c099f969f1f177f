"""Issue 9 §1: the write window is one rule (services.write_window) that every path reads.

Writes over the API, writes from the workspace's scripts, the workspace's buttons (can_edit) and the
dashboard's 逾期 are checked at the same moments, so none of them can keep a rule of its own.
"""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.campaigns import services as cs
from pinggu.campaigns.models import CampaignState, EnrollmentState
from pinggu.evidence import services
from pinggu.oversight import progress

from ..conftest import PDF, token_for

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)
OPEN = dict(campaign_state=CampaignState.OPEN, opens_at=T0 - timedelta(days=7), enrollment_state=EnrollmentState.IN_PROGRESS,
            deadline=T0, extension_runs=False)


@pytest.mark.parametrize(("now", "changes", "expected"), [
    (T0 - timedelta(seconds=1), {}, None),  # just before the deadline
    (T0, {}, None),  # the deadline itself still counts as in time
    (T0 + timedelta(microseconds=1), {}, "deadline_passed"),  # just after
    (T0 + timedelta(seconds=1), {"deadline": T0 + timedelta(days=1), "extension_runs": True}, None),  # extended
    (T0 + timedelta(seconds=1), {"enrollment_state": EnrollmentState.RETURNED}, "deadline_passed"),  # returned late, no extension
    (T0 - timedelta(seconds=1), {"enrollment_state": EnrollmentState.RETURNED}, None),  # returned in time
    (T0 - timedelta(seconds=1), {"enrollment_state": EnrollmentState.SUBMITTED}, "submitted"),
    (T0 - timedelta(seconds=1), {"campaign_state": CampaignState.CLOSED}, "not_open_state"),  # closed early
    (T0 + timedelta(seconds=1), {"campaign_state": CampaignState.CLOSED, "deadline": T0 + timedelta(days=1),
                                 "extension_runs": True}, None),  # closed, but this unit's extension runs
    (T0 - timedelta(days=8), {}, "not_yet_open"),
    (T0 - timedelta(seconds=1), {"campaign_state": CampaignState.DRAFT}, "not_open"),
])
def test_the_rule(now, changes, expected):
    assert cs.write_window(**{**OPEN, **changes}, now=now) == expected


def upload_api(client, world, token):
    f = io.BytesIO(PDF)
    f.name = "材料.pdf"
    return client.post(f"/api/v1/campaigns/{world.campaign.pk}/units/unit-a/checkpoints/C01/evidence", {"file": f},
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def upload_web(client, world):
    f = io.BytesIO(PDF + b"web")
    f.name = "网页.pdf"
    client.force_login(world.sub_a)
    return client.post(f"/campaigns/{world.campaign.pk}/units/unit-a/points/C02/upload/", {"file": f},
                       HTTP_ACCEPT="application/json")


def every_path(client, world):
    """What each path says about 甲县 now: API write, web write, workspace buttons, dashboard state."""
    token = token_for(client, "sub-a")
    api = upload_api(client, world, token)
    web = upload_web(client, world)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    row = next(r for r in progress.rows(world.campaign.enrollments.all()) if r.unit_code == "unit-a")
    return {
        "api": api.status_code if api.status_code != 410 else api.json()["error"],
        "web": web.json()["ok"],
        "can_edit": "data-upload-url" in page,
        "dashboard": row.state,
    }


def set_deadline(world, delta):
    world.campaign.opens_at = timezone.now() - timedelta(days=3)
    world.campaign.deadline = timezone.now() + delta
    world.campaign.save()


def test_just_before_the_deadline_every_path_writes(client, world):
    set_deadline(world, timedelta(minutes=1))
    seen = every_path(client, world)
    assert seen == {"api": 201, "web": True, "can_edit": True, "dashboard": EnrollmentState.IN_PROGRESS}


def test_just_after_the_deadline_every_path_refuses_and_the_dashboard_says_overdue(client, world):
    set_deadline(world, -timedelta(seconds=1))
    seen = every_path(client, world)
    assert seen == {"api": "deadline_passed", "web": False, "can_edit": False, "dashboard": progress.OVERDUE}


def test_an_extension_reopens_every_path(client, world):
    set_deadline(world, -timedelta(seconds=1))
    cs.extend(world.enrollment(world.a), timezone.now() + timedelta(minutes=5), "系统故障", user=world.organizer)
    seen = every_path(client, world)
    assert seen == {"api": 201, "web": True, "can_edit": True, "dashboard": EnrollmentState.IN_PROGRESS}


def test_returned_after_the_deadline_needs_an_extension_too(client, world):
    """A return gives back the right to submit, not time: past the deadline the unit also needs an extension.

    The dashboard shows it 已退回 (the organizer's own doing), not 逾期.
    """
    services.set_response(world.enrollment(world.a), "C03", status="done", note="x", user=world.sub_a)
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    set_deadline(world, -timedelta(seconds=1))
    cs.change_state(world.campaign, CampaignState.CLOSED)
    cs.reopen(world.enrollment(world.a), "请补充", user=world.organizer)
    seen = every_path(client, world)
    assert seen == {"api": "deadline_passed", "web": False, "can_edit": False, "dashboard": EnrollmentState.RETURNED}
    cs.extend(world.enrollment(world.a), timezone.now() + timedelta(minutes=5), "补充材料", user=world.organizer)
    seen = every_path(client, world)
    assert seen == {"api": 201, "web": True, "can_edit": True, "dashboard": EnrollmentState.RETURNED}
