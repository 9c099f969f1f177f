"""Issue 10's acceptance, tried as a new user would, in Chromium: the evaluator reviews a unit with the keyboard
(verdict keys, j/k, PageDown/PageUp), returns two points, the unit supplements and resubmits, the evaluator
finishes; the organizer publishes with the ranking; the unit reads its result and downloads its report, objects to
one point, the evaluator upholds it with a new score, and the unit's rank changes on its page.

Only the world is made through services: two counties of the same kind on the points checklist of
test_scoring (100 points, a bonus item), both submitted, 乙县 already reviewed at 97.00. Every step after that
goes through the pages. 甲县 ends at 95.00 (a2-2 at 5 of 10, no bonus): rank 2; its objection to a2-2 upheld at 10
makes it 100.00: rank 1."""

import io
import re
from datetime import timedelta

import docx
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pinggu.accounts.models import Role
from pinggu.campaigns import services as cs
from pinggu.evidence import services as evidence
from pinggu.reviews import selectors
from pinggu.reviews.models import Objection, ReturnRound, Review
from pinggu.reviews.services import record_review

from ..conftest import make_user
from ..reviews.test_scoring import POINTS_FW
from ..reviews.test_services import stored_framework
from .steps import login, logout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "2024年政务公开绩效评估（验收）"


@pytest.fixture
def two_counties(db):
    """The world: an open points campaign, 甲县 and 乙县 submitted, one evaluator for both, 乙县 reviewed (97.00)."""
    stored_framework(POINTS_FW, "accept-county")
    organizer = make_user("org")
    units = [cs.create_unit(name=name, kind="county", code=code) for name, code in (("甲县", "u-a"), ("乙县", "u-b"))]
    now = timezone.now()
    campaign = cs.create_campaign(title=TITLE, year=2024, opens_at=now - timedelta(days=1),
                                  deadline=now + timedelta(days=7), frameworks={"county": "accept-county"})
    cs.enroll(campaign, units)
    cs.change_state(campaign, "open")
    evaluator = make_user("eva1", role=Role.EVALUATOR)
    cs.assign_evaluator(campaign, evaluator, user=organizer)
    subs = [make_user(f"sub-{u.code}", role=Role.SUBMITTER, unit=u) for u in units]
    enrollments = [campaign.enrollments.get(unit=u) for u in units]
    evidence.add_link(enrollments[0], "a1-1", "https://example.org/jiaxian/meetings", user=subs[0])
    for enrollment, sub in zip(enrollments, subs):
        evidence.submit(enrollment, user=sub, acknowledge_incomplete=True)
    # 乙县: a1-2 at 7 of 10, the bonus item missed → 100 − 3 = 97.00.
    for code in ("a1-1", "a2-1", "a2-2", "b-1", "b-2"):
        record_review(enrollments[1], code, evaluator=evaluator, verdict="pass")
    record_review(enrollments[1], "a1-2", evaluator=evaluator, verdict="partial", score=7, reason="会议记录不全")
    record_review(enrollments[1], "b-x", evaluator=evaluator, verdict="fail", reason="未提供加分材料")
    return campaign


def shown(page, label):
    """The figure a results card shows above its label (总分, 等次, 排名)."""
    card = page.locator(".card-body").filter(has=page.locator(".small", has_text=re.compile(rf"^{label}$")))
    return card.locator(".fs-4").inner_text().strip()


def saved(page):
    page.wait_for_selector("#save-state [data-saved]")


def open_results_as_unit(page, cid):
    login(page, "sub-u-a")
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/units/u-a/"))
    page.get_by_role("link", name="评估结果").click()
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/units/u-a/results/$"))


def test_issue10_acceptance_review_return_publish_object_and_rerank(page, two_counties):
    cid = two_counties.pk
    point = lambda code: re.compile(rf"/campaigns/{cid}/reviews/u-a/\?point={code}$")  # noqa: E731

    # --- The evaluator opens 甲县 from the queue and reviews with the keyboard.
    login(page, "eva1")
    page.click("nav a:has-text('评估队列')")
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/reviews/$"))
    page.locator("tr", has_text="甲县").locator("a:has-text('开始评分')").click()
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/reviews/u-a/$"))
    assert "a1-1" in page.inner_text("#point-title")
    assert "https://example.org/jiaxian/meetings" in page.inner_text(".review-material")
    page.keyboard.press("1")
    saved(page)
    page.keyboard.press("j")
    page.wait_for_url(point("a1-2"))
    page.keyboard.press("1")
    saved(page)
    page.keyboard.press("PageDown")
    page.wait_for_url(point("a2-1"))
    page.keyboard.press("PageUp")  # back: the verdict just given is there, marked in the tree
    page.wait_for_url(point("a1-2"))
    expect(page.locator("#verdict-pass")).to_be_checked()
    assert page.locator(".review-tree a", has_text="a1-2").inner_text().startswith("✓")
    page.keyboard.press("PageDown")
    page.wait_for_url(point("a2-1"))
    assert {(r.checkpoint.code, r.verdict, r.score) for r in Review.objects.filter(enrollment__unit__code="u-a")} == {
        ("a1-1", "pass", 20), ("a1-2", "pass", 10)}

    # --- a2-1 and b-2 have no material: returned for supplement (the current point comes ticked).
    page.click("summary:has-text('退回补充')")
    expect(page.locator("input[name=checkpoints][value=a2-1]")).to_be_checked()
    page.check("input[name=checkpoints][value=b-2]")
    page.fill("#return-reason", "请补充政策解读材料和依申请公开台账")
    page.click(".return-box button:has-text('退回补充')")
    page.wait_for_selector("text=已退回第1轮补充")
    logout(page)

    # --- The unit sees exactly those two points reopened with the reason, supplements both and resubmits.
    login(page, "sub-u-a")
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/units/u-a/"))
    notice = page.inner_text("#return-notice")
    assert "请补充政策解读材料和依申请公开台账" in notice and "a2-1、b-2" in notice
    assert page.locator("[data-upload-url]").count() == 2
    for code, url in (("a2-1", "https://example.org/jiaxian/policy-readings"),
                      ("b-2", "https://example.org/jiaxian/applications-ledger")):
        cell = page.locator(f"#point-{code}")
        cell.locator("summary:has-text('添加网页链接')").click()
        cell.locator("input[name=url]").fill(url)
        cell.locator("button:has-text('添加链接')").click()
        page.wait_for_selector(f"#point-{code} a:has-text('{url}')")
    page.click("a:has-text('确认报送')")
    if page.locator("#acknowledge_incomplete").count():
        page.check("#acknowledge_incomplete")
    page.click("form button.btn-success")
    page.wait_for_selector("text=已确认报送")
    logout(page)

    # --- The evaluator continues from the queue, sees the new material, and finishes 甲县 by keyboard.
    login(page, "eva1")
    page.click("nav a:has-text('评估队列')")
    row = page.locator("tr", has_text="甲县")
    assert "2 / 7 个考核点已评" in row.inner_text()
    row.locator("a:has-text('继续评分')").click()
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/reviews/u-a/$"))
    page.keyboard.press("j")
    page.wait_for_url(point("a1-2"))
    page.keyboard.press("j")
    page.wait_for_url(point("a2-1"))
    material = page.inner_text(".review-material")
    assert "新" in material and "https://example.org/jiaxian/policy-readings" in material
    page.keyboard.press("1")
    saved(page)
    page.keyboard.press("j")
    page.wait_for_url(point("a2-2"))
    page.keyboard.press("2")  # 部分符合 wants a score: refused in words until it has one and a reason
    expect(page.locator("#save-state [data-save-error]")).to_be_visible()
    page.fill("#score", "5")
    page.fill("#reason", "部分政策解读未与文件同步发布")
    page.locator("#reason").blur()
    saved(page)
    page.keyboard.press("j")
    page.wait_for_url(point("b-1"))
    page.keyboard.press("1")
    page.keyboard.press("j")  # pressed while the save may be under way: it waits for it
    page.wait_for_url(point("b-2"))
    page.keyboard.press("1")
    page.keyboard.press("j")
    page.wait_for_url(point("b-x"))
    page.keyboard.press("3")
    expect(page.locator("#score")).to_have_attribute("placeholder", "0")  # 不符合 scores 0, not the greyed maximum
    expect(page.locator("#save-state [data-save-error]")).to_contain_text("失分原因")
    page.fill("#reason", "未提供加分材料")
    page.locator("#reason").blur()
    saved(page)
    page.click(".breadcrumb a:has-text('评估队列')")
    assert "7 / 7 个考核点已评" in page.locator("tr", has_text="甲县").inner_text()
    logout(page)

    # --- The organizer closes reporting, starts the evaluation, sees the ranking and publishes it.
    login(page, "org")
    page.goto(f"/campaigns/{cid}/")
    page.get_by_role("button", name="截止报送").click()
    page.get_by_role("button", name="进入评估").click()
    page.wait_for_selector("h1 .badge:has-text('评估中')")
    page.get_by_role("link", name="评估结果", exact=True).click()
    page.wait_for_url(re.compile(rf"/campaigns/{cid}/results/$"))
    ranking = page.locator("table", has_text="乙县")
    assert re.search(r"^1\s+乙县", ranking.locator("tr", has_text="乙县").inner_text())
    assert re.search(r"^2\s+甲县", ranking.locator("tr", has_text="甲县").inner_text())
    page.check("#publish-ranking")
    page.get_by_role("button", name="发布结果").click()
    page.wait_for_selector("text=已公布排名")
    logout(page)

    # --- The unit reads its result: 95.00, 良好… rank 2; its report downloads and names it.
    open_results_as_unit(page, cid)
    assert (shown(page, "总分"), shown(page, "排名")) == ("95.00", "2")
    assert "部分政策解读未与文件同步发布" in page.inner_text("main")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载评估报告（Word）").click()
    assert download.value.suggested_filename.endswith(".docx")
    report = docx.Document(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join([p.text for p in report.paragraphs]
                     + [c.text for t in report.tables for r in t.rows for c in r.cells])
    assert "甲县" in text and "95.00" in text and "部分政策解读未与文件同步发布" in text

    # --- …objects to a2-2.
    section = page.locator("section", has_text="a2-2")
    section.locator("summary:has-text('提出异议')").click()
    section.get_by_label("异议理由").fill("政策解读已在门户网站同步发布，附链接请核实")
    section.get_by_role("button", name="提交异议").click()
    page.wait_for_selector("text=异议已提交")
    assert "待答复" in page.locator("section", has_text="a2-2").inner_text()
    logout(page)

    # --- The evaluator upholds it with a new score.
    login(page, "eva1")
    page.goto(f"/campaigns/{cid}/")
    page.get_by_role("link", name="评估结果", exact=True).click()
    objection_row = page.locator("tr", has_text="政策解读已在门户网站同步发布")
    objection_row.get_by_label("答复结论").select_option("upheld")
    objection_row.get_by_label("新得分").fill("10")
    objection_row.get_by_label("答复", exact=True).fill("经核实材料属实，改为满分")
    objection_row.get_by_role("button", name="答复", exact=True).click()
    page.wait_for_selector("text=已答复异议")
    assert Objection.objects.get().state == "upheld"
    logout(page)

    # --- The unit's page now shows 100.00 and rank 1, and the answer.
    open_results_as_unit(page, cid)
    assert (shown(page, "总分"), shown(page, "排名")) == ("100.00", "1")
    answered = page.locator("section", has_text="a2-2").inner_text()
    assert "已采纳" in answered and "经核实材料属实，改为满分" in answered
    assert "部分政策解读未与文件同步发布" not in answered  # full marks: no 失分原因 left
    ranks = {r["unit_code"]: r["rank"] for r in selectors.unit_scores(two_counties)["units"]}
    assert ranks == {"u-a": 1, "u-b": 2}
    assert ReturnRound.objects.get().resubmitted_at is not None
