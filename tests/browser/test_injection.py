"""Issue 7, finding 1: checkpoint text is data, never markup, on the progress dashboard."""

import json

import pytest

from pinggu.campaigns.models import Campaign
from pinggu.frameworks.models import Checkpoint

from .test_reminder_story import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_checkpoint_text_cannot_run_htmx_on_the_dashboard(page, world):
    c = world.campaign.pk
    # The attack split over several points to pass the 30-character cut: the first closes the
    # JSON block, the next ones carry an htmx element that closes the campaign on load.
    payload = ["</script><form id=x1 a='", "' hx-post=../state/ b='", "' hx-trigger=load c='", "'><input name=state d='",
               "' value=closed>"]
    assert all(len(text) <= 30 for text in payload)
    points = Checkpoint.objects.filter(framework__code="yulin-2020-county").order_by("position")
    for cp, text in zip(points, payload):
        Checkpoint.objects.filter(pk=cp.pk).update(text=text)
    login(page, "org")
    page.wait_for_load_state()
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method != "GET" else None)
    page.goto(f"/campaigns/{c}/progress/")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert sent == []
    assert page.locator("#chart-empty canvas").count() == 1  # the chart still draws
    assert page.locator("#x1").count() == 0
    assert Campaign.objects.get(pk=c).state == "open"
    data = json.loads(page.locator("#chart-data").text_content())
    assert [e["text"] for e in data["empty"][:5]] == payload  # kept literally, as the data it is
