"""Issue 10 §1, §2, §4 in a real browser: the evaluator reviews a unit with the keyboard (a verdict key, then j),
returns two points for supplement, the unit adds material to one and resubmits, and the evaluator sees the new
material marked 新."""

import re

import pytest
from playwright.sync_api import expect

from pinggu.reviews.models import ReturnRound, Review

from ..reviews.test_services import scored  # noqa: F401  (fixture)
from .test_return_story import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_review_return_supplement_and_new_material(page, scored):  # noqa: F811
    cid = scored.campaign.pk
    review_url = re.compile(rf"/campaigns/{cid}/reviews/u-a/")

    # --- The evaluator's queue, from the navbar: 甲县 and 乙县 have submitted, nothing reviewed yet.
    login(page, "eva1")
    page.click("nav a:has-text('评估队列')")
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/reviews/$"))
    row = page.locator("tr", has_text="甲县")
    assert "0 / 7 个考核点已评" in row.inner_text()
    row.locator("a:has-text('开始评分')").click()
    page.wait_for_url(review_url)
    assert "a1-1" in page.inner_text("#point-title")

    # --- Two actions per point whose material is fine: 1 (符合, full marks, saved), then j.
    page.keyboard.press("1")
    page.wait_for_selector("#save-state [data-saved]")
    page.keyboard.press("j")
    page.wait_for_url(re.compile(r"\?point=a1-2$"))
    assert Review.objects.get(checkpoint__code="a1-1").verdict == "pass"
    page.keyboard.press("1")
    page.keyboard.press("j")  # pressed while the save may still be under way: it waits for it
    page.wait_for_url(re.compile(r"\?point=a2-1$"))
    assert Review.objects.filter(checkpoint__code="a1-2", verdict="pass").exists()
    page.keyboard.press("k")
    page.wait_for_url(re.compile(r"\?point=a1-2$"))
    assert "✓" in page.inner_text(".review-tree")

    # --- A refusal is shown in words and nothing is lost: 部分符合 with a lower score needs a reason.
    page.keyboard.press("2")
    page.fill("#score", "3")
    page.locator("#score").blur()
    expect(page.locator("#save-state [data-save-error]")).to_contain_text("失分原因")
    page.fill("#reason", "会议记录不全")
    page.locator("#reason").blur()
    page.wait_for_selector("#save-state [data-saved]")
    assert Review.objects.get(checkpoint__code="a1-2").score == 3

    # --- Return two points for supplement.
    page.click("summary:has-text('退回补充')")
    page.check("input[name=checkpoints][value=a2-1]")
    page.fill("#return-reason", "请补充会议记录和制度文件")
    page.click(".return-box button:has-text('退回补充')")
    page.wait_for_selector("text=已退回第1轮补充")
    assert sorted(ReturnRound.objects.get().checkpoints.values_list("code", flat=True)) == ["a1-2", "a2-1"]
    logout(page)

    # --- The unit: the two points reopened with the reason on top; it supplements one and resubmits.
    login(page, "sub-u-a")
    page.goto(f"/campaigns/{cid}/units/u-a/")
    notice = page.inner_text("#return-notice")
    assert "请补充会议记录和制度文件" in notice and "a1-2、a2-1" in notice
    assert page.locator("[data-upload-url]").count() == 2
    cell = page.locator("#point-a1-2")
    cell.locator("summary:has-text('添加网页链接')").click()
    cell.locator("input[name=url]").fill("https://example.org/meeting-minutes")
    cell.locator("button:has-text('添加链接')").click()
    page.wait_for_selector("#point-a1-2 a:has-text('https://example.org/meeting-minutes')")
    page.click("a:has-text('确认报送')")
    if page.locator("#acknowledge_incomplete").count():
        page.check("#acknowledge_incomplete")
    page.click("form button.btn-success")
    page.wait_for_selector("text=已确认报送")
    assert scored.enrollment(0).state == "submitted"
    logout(page)

    # --- The evaluator sees the new material marked 新 and the round closed.
    login(page, "eva1")
    page.goto(f"/campaigns/{cid}/reviews/u-a/?point=a1-2")
    material = page.inner_text(".review-material")
    assert "新" in material and "https://example.org/meeting-minutes" in material
    assert "重新报送" in page.inner_text("#rounds-title + ul")
