"""Issue 4's story in a real browser: find who has not submitted, remind them, the unit sees it, the mail goes out."""

import re

import pytest
from django.core import mail

from pinggu.evidence import services

from ..conftest import PDF, upload_file
from .steps import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_remind_units_that_have_not_submitted(page, world):
    world.b.contact_email = "yi-county@example.org"
    world.b.save()
    services.add_file(world.enrollment(world.a), "C01", upload_file("甲.pdf", PDF), user=world.sub_a)
    services.submit(world.enrollment(world.a), user=world.sub_a, acknowledge_incomplete=True)
    login(page, "org")
    page.goto(f"/campaigns/{world.campaign.pk}/progress/")
    page.select_option("select[name=state]", "not_started")
    page.wait_for_url(re.compile(r"state=not_started"))
    rows = page.locator("table.progress-table tbody tr")
    assert rows.count() == 2 and "乙县" in rows.all_inner_texts()[1] + rows.all_inner_texts()[0]
    page.click("a:has-text('催报')")
    assert page.is_checked("input[value=unit-b]") and not page.is_checked("input[value=unit-a]")
    page.fill("#message", "请于本周五前完成报送。")
    page.click("button:has-text('发送催报')")
    page.wait_for_selector("text=催报结果")
    page.wait_for_selector("#reminder-results:has-text('发送中 0')")
    assert "已发送 1" in page.inner_text("#reminder-results")  # 乙县 has an address; 市测试局 has none
    assert [m.to for m in mail.outbox] == [["yi-county@example.org"]]
    page.click("button:has-text('退出')")
    login(page, "sub-b")
    page.wait_for_selector(".reminder:has-text('请于本周五前完成报送。')")
    page.click("button:has-text('知道了')")
    page.wait_for_load_state()
    assert page.locator(".reminder").count() == 0
