"""Issue 8, point 12: in 评估中 and later, the campaign pages do not offer actions that no longer apply,
and the same rule refuses them when posted anyway (web and API)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.accounts.models import Role, User
from pinggu.campaigns import services as cs
from pinggu.campaigns.models import CampaignState, Enrollment
from pinggu.evidence import services as evidence

from ..conftest import PDF, token_for, upload_file

pytestmark = pytest.mark.django_db

PATH = {CampaignState.OPEN: [], CampaignState.CLOSED: ["closed"], CampaignState.REVIEWING: ["closed", "reviewing"],
        CampaignState.PUBLISHED: ["closed", "reviewing", "published"]}
OFFERS = {"create_accounts": "为参评单位生成填报账户", "enroll": "报名选中的单位", "reopen": "退回原因（必填）", "extend": "确定延期"}


def to_state(world, state):
    for step in PATH[state]:
        cs.change_state(world.campaign, step)
    world.campaign.refresh_from_db()


@pytest.fixture
def submitted_a(world):
    enrollment = world.enrollment(world.a)
    evidence.add_file(enrollment, "C01", upload_file("a.pdf", PDF), user=world.sub_a)
    evidence.submit(enrollment, user=world.sub_a, acknowledge_incomplete=True)
    cs.create_unit(name="丙县", kind="county", code="unit-c")  # a candidate to enroll
    return enrollment


@pytest.mark.parametrize("state", list(PATH))
def test_page_offers_exactly_what_the_rule_allows(client, world, submitted_a, state):
    to_state(world, state)
    client.force_login(world.organizer)
    page = client.get(f"/campaigns/{world.campaign.pk}/").content.decode()
    for action, text in OFFERS.items():
        allowed = cs.action_refusal(world.campaign, action) is None
        assert (text in page) == allowed, (state, action)
    late = state in (CampaignState.REVIEWING, CampaignState.PUBLISHED)
    assert all(cs.action_refusal(world.campaign, a) is not None for a in OFFERS) == late
    assert ('id="actions-closed"' in page) == late
    if state == CampaignState.CLOSED:  # still allowed, and the page says why
        assert "退回的单位须同时延期才能修改" in page and "延期的单位在新的截止时间前仍可修改和报送" in page


@pytest.mark.parametrize("state", [CampaignState.REVIEWING, CampaignState.PUBLISHED])
def test_hidden_actions_cannot_be_posted(client, world, submitted_a, state):
    to_state(world, state)
    User.objects.filter(role=Role.SUBMITTER).delete()
    client.force_login(world.organizer)
    pk = world.campaign.pk
    before = (Enrollment.objects.count(), User.objects.count())
    page = client.post(f"/campaigns/{pk}/accounts/", follow=True).content.decode()
    assert "不能再生成填报账户" in page
    page = client.post(f"/campaigns/{pk}/enroll/", {"units": ["unit-c"]}, follow=True).content.decode()
    assert "不能再报名参评单位" in page
    page = client.post(f"/campaigns/{pk}/units/unit-a/reopen/", {"reason": "补充材料"}, follow=True).content.decode()
    assert "不能再退回单位的报送" in page
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page = client.post(f"/campaigns/{pk}/units/unit-b/extension/", {"deadline": deadline, "reason": "系统故障"},
                       follow=True).content.decode()
    assert "不能再为单位延期" in page
    submitted_a.refresh_from_db()
    assert submitted_a.state == "submitted" and world.enrollment(world.b).extended_deadline is None
    assert (Enrollment.objects.count(), User.objects.count()) == before


def test_api_refuses_with_the_same_rule(client, world, submitted_a):
    to_state(world, CampaignState.REVIEWING)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, 'org')}"}
    pk = world.campaign.pk

    def post(path, body):
        return client.post(path, json.dumps(body), content_type="application/json", **headers)

    for path, body in [(f"/api/v1/campaigns/{pk}/enrollments", {"unit_codes": ["unit-c"]}),
                       (f"/api/v1/campaigns/{pk}/units/unit-a/reopen", {"reason": "补充材料"}),
                       (f"/api/v1/campaigns/{pk}/units/unit-b/extension",
                        {"deadline": (timezone.now() + timedelta(days=3)).isoformat(), "reason": "系统故障"})]:
        response = post(path, body)
        assert response.status_code == 409 and response.json()["error"] == "not_in_this_state", path


@pytest.mark.parametrize("state", list(PATH))
def test_workspace_offers_return_and_extension_only_where_the_rule_allows(client, world, submitted_a, state):
    to_state(world, state)
    client.force_login(world.organizer)
    page = client.get(f"/campaigns/{world.campaign.pk}/units/unit-a/").content.decode()
    assert ("/units/unit-a/reopen/" in page) == (cs.action_refusal(world.campaign, "reopen") is None), state
    assert ("/units/unit-a/extension/" in page) == (cs.action_refusal(world.campaign, "extend") is None), state
