"""Issue 9 §5: permission rules only in the permission layer, and each written once."""

import pytest

from pinggu.accounts import permissions
from pinggu.accounts.models import Role
from pinggu.campaigns import services as cs
from pinggu.campaigns import visibility
from pinggu.campaigns.models import CampaignState, Enrollment

from ..conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_layer_names_the_draft_state_the_models_use():
    assert permissions.DRAFT == CampaignState.DRAFT


def test_a_disabled_organizer_reaches_nothing(world):
    world.organizer.is_active = False
    world.organizer.save()
    assert not hasattr(world.organizer, "is_organizer")  # no second, is_active-blind rule on the model
    for rule in ("can_manage_campaigns", "can_manage_users", "can_read_audit", "can_view_units", "can_export",
                 "can_use_workspace", "can_build_bundles"):
        assert not getattr(permissions, rule)(world.organizer), rule
    assert not permissions.can_view_enrollment(world.organizer, world.enrollment(world.a))


def test_nobody_disables_or_resets_their_own_account(client, world):
    other = make_user("org2", role=Role.ORGANIZER)
    assert permissions.can_change_user(world.organizer, other)
    assert not permissions.can_change_user(world.organizer, world.organizer)
    client.force_login(world.organizer)
    client.post(f"/accounts/users/{world.organizer.username}/disable/")
    world.organizer.refresh_from_db()
    assert world.organizer.is_active


def test_lists_and_single_objects_agree_for_every_role_and_a_draft_campaign(world):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    draft = cs.create_campaign(title="草稿任务", year=2021, opens_at=now, deadline=now + timedelta(days=3),
                               frameworks={"county": "yulin-2020-county", "department": "yulin-2020-department"})
    cs.enroll(draft, [world.a, world.b])
    users = [world.organizer, world.evaluator, world.viewer, world.sub_a, world.sub_b, world.sub_d]
    for user in users:
        listed = set(visibility.enrollments_visible_to(user).values_list("pk", flat=True))
        one_by_one = {e.pk for e in Enrollment.objects.select_related("campaign") if permissions.can_view_enrollment(user, e)}
        assert listed == one_by_one, user.username
    assert not permissions.can_view_enrollment(world.sub_a, draft.enrollments.get(unit=world.a))
    assert draft not in visibility.campaigns_visible_to(world.sub_a)
    assert draft in visibility.campaigns_visible_to(world.viewer)


def test_templates_ask_the_permission_layer(client, world):
    client.force_login(world.viewer)
    nav = client.get("/campaigns/").content.decode()
    assert 'href="/campaigns/units/"' in nav  # 领导 read the unit list
    assert 'href="/accounts/users/"' not in nav and 'href="/accounts/audit/"' not in nav
    units = client.get("/campaigns/units/").content.decode()
    assert "甲县" in units and "/campaigns/units/new/" not in units and "/campaigns/units/unit-a/" not in units


def test_a_submitter_gets_only_its_own_kind_of_checklist(client, world):
    client.force_login(world.sub_a)
    assert client.get(f"/campaigns/{world.campaign.pk}/notice/county.xlsx").status_code == 200
    assert client.get(f"/campaigns/{world.campaign.pk}/notice/department.xlsx").status_code == 403
