"""Issue 8 #3 and #6 in a real browser: the unit's submit confirmation lists its empty points with links and
needs an explicit acknowledgement; the organizer returns it with a reason; the unit sees 已退回 with the reason."""

import re

import pytest
from django.core import mail

from pinggu.evidence import services

from ..conftest import PDF, upload_file
from .steps import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_incomplete_submit_needs_acknowledgement_then_return_reaches_the_unit(page, world):
    services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", PDF), user=world.sub_a)
    workspace = f"/campaigns/{world.campaign.pk}/units/unit-a/"

    # --- The unit: the confirmation lists the 35 empty points, each a link to it, and wants the tick.
    login(page, "sub-a")
    page.wait_for_url(re.compile(workspace))
    page.click("a:has-text('确认报送')")
    page.wait_for_selector("ul.empty-points")
    assert page.locator("ul.empty-points li").count() == 35
    assert "我已知晓以下 35 个考核点尚未填报，仍然报送" in page.inner_text("label[for=acknowledge_incomplete]")
    page.click("button:has-text('仍然确认报送')")  # not ticked: the browser keeps the form
    assert world.enrollment(world.a).state == "in_progress"
    page.click("ul.empty-points a:has-text('C02')")
    page.wait_for_url(re.compile(r"#point-C02$"))
    assert page.locator("#point-C02").is_visible()
    page.go_back()
    page.check("#acknowledge_incomplete")
    page.click("button:has-text('仍然确认报送')")
    page.wait_for_selector("text=已确认报送")
    enrollment = world.enrollment(world.a)
    assert enrollment.state == "submitted" and enrollment.empty_at_submit == 35
    logout(page)

    # --- The organizer sees it as incomplete and returns it with a reason.
    login(page, "org")
    page.goto(f"/campaigns/{world.campaign.pk}/progress/")
    assert "已报送（不完整）" in page.inner_text("table.progress-table")
    page.goto(f"/campaigns/{world.campaign.pk}/")
    row = page.locator("tr", has_text="甲县")
    mail.outbox.clear()
    row.locator("form[action$='/reopen/'] input[name=reason]").fill("C02 缺少会议记录，请补充")
    row.locator("button:has-text('退回')").click()
    page.wait_for_selector("text=已退回“甲县”")
    assert "已退回" in page.locator("tr", has_text="甲县").inner_text()
    assert [m.to for m in mail.outbox] == [["a@example.org"]] and "C02 缺少会议记录，请补充" in mail.outbox[0].body
    logout(page)

    # --- The unit sees 已退回, the reason, who and when, at the top of its workspace.
    login(page, "sub-a")
    page.wait_for_url(re.compile(workspace))
    notice = page.inner_text("#return-notice")
    assert "已退回" in notice and "C02 缺少会议记录，请补充" in notice and "org" in notice
    assert "已退回" in page.inner_text("h1")
    assert "data-upload-url" in page.content()  # it may change its materials again
