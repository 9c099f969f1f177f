"""Issue 10 §5 in the browser: the organizer's results page (with its chart), the unit's results after publication
with an objection and a rectification, the evaluator's answer, the rectification overview; axe checks each page."""

import pytest

from pinggu.reviews.models import Objection

from ..reviews.test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)
from .test_accessibility import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_results_objection_and_rectification_in_the_browser(page, live_server, scored, axe_log):  # noqa: F811
    review_all(scored, 0)
    review_all(scored, 1, **{"a2-2": {"verdict": "pass"}})
    to_reviewing(scored.campaign)
    cid = scored.campaign.pk
    log_in(page, live_server, scored.organizer, "zh-hans")
    page.goto(f"/campaigns/{cid}/results/")
    page.wait_for_selector("#chart-bins canvas")  # the chart drew from the JSON block, under the strict CSP
    assert "89.11" in page.content()
    page.check("#publish-ranking")
    page.check("#publish-force")
    page.get_by_role("button", name="发布结果").click()
    page.wait_for_selector("text=已公布排名")

    log_in(page, live_server, scored.subs[0], "zh-hans")
    page.goto(f"/campaigns/{cid}/units/u-a/")
    page.get_by_role("link", name="评估结果").click()
    page.wait_for_selector("text=三处未公开")
    section = page.locator("section", has_text="a2-2")
    section.locator("summary").click()
    section.get_by_label("异议理由").fill("栏目齐全")
    section.get_by_role("button", name="提交异议").click()
    page.wait_for_selector("text=异议已提交")
    section = page.locator("section", has_text="a1-1")
    section.get_by_label("整改措施").fill("已补充公开")
    section.get_by_label("整改已完成").check()
    section.get_by_role("button", name="保存整改情况").click()
    page.wait_for_selector("text=整改情况已保存")

    log_in(page, live_server, scored.first, "zh-hans")
    page.goto(f"/campaigns/{cid}/results/")
    page.get_by_label("新得分").fill("10")
    page.get_by_label("答复", exact=True).fill("核实，改为满分")
    page.get_by_role("button", name="答复", exact=True).click()
    page.wait_for_selector("text=已答复异议")
    assert Objection.objects.get().state == "upheld"

    log_in(page, live_server, scored.organizer, "zh-hans")
    page.goto(f"/campaigns/{cid}/rectification/")
    page.get_by_role("button", name="提醒未完成整改的单位").click()
    page.wait_for_selector("text=已提醒")
    assert len(set(axe_log.pages)) >= 4


