"""The evaluator's queue and review screen (issue 10 §1, §2, §4 on the web): thin pages over the services."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from pinggu.evidence import services as evidence
from pinggu.reviews.models import ReasonPhrase, ReturnRound, Review

from .test_services import review_all, scored, to_reviewing  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_queue_lists_submitted_units_with_progress(client, scored):  # noqa: F811
    client.force_login(scored.first)
    page = client.get(f"/campaigns/{scored.campaign.pk}/reviews/").content.decode()
    assert "甲县" in page and "乙县" in page and "丙县" not in page  # 丙县 has not submitted
    assert "0 / 7 个考核点已评" in page
    assert client.get("/reviews/").status_code == 302


def test_a_fully_reviewed_unit_is_offered_for_viewing_not_continuing(client, scored):  # noqa: F811
    review_all(scored, 0)
    client.force_login(scored.first)
    page = client.get(f"/campaigns/{scored.campaign.pk}/reviews/").content.decode()
    row_a = page[page.index("甲县"):page.index("</tr>", page.index("甲县"))]
    row_b = page[page.index("乙县"):page.index("</tr>", page.index("乙县"))]
    assert "查看评分" in row_a and "继续评分" not in row_a and "开始评分" in row_b


def test_the_navbar_queue_opens_the_campaign_under_review_not_the_newest(client, scored):  # noqa: F811
    """A newer campaign already published (or copied for next year and collecting) must not hide the one whose
    units wait for review."""
    from pinggu.campaigns.models import Campaign, EvaluatorAssignment
    to_reviewing(scored.campaign)
    newer = Campaign.objects.get(pk=scored.campaign.pk)
    newer.pk = None
    newer.title, newer.state = "后来的任务", "published"
    newer.save()
    EvaluatorAssignment.objects.create(campaign=newer, user=scored.first)
    client.force_login(scored.first)
    assert client.get("/reviews/")["Location"] == f"/campaigns/{scored.campaign.pk}/reviews/"
    filtered = client.get(f"/campaigns/{scored.campaign.pk}/reviews/?q=甲").content.decode()
    assert "甲县" in filtered and "乙县" not in filtered


def test_queue_names_the_unit_kind_and_shows_totals_with_two_decimals(client, scored):  # noqa: F811
    """The queue showed the kind's code ("county") and totals as 89.1 / 80.0 where every other page shows 89.11."""
    from .test_services import review_all

    # Everything applicable at full marks: 100 + the bonus capped at 3 = 103, shown "103.00" (it was "103.0").
    review_all(scored, 0, **{code: {"verdict": "pass"} for code in ("a1-1", "a1-2", "a2-2")})
    client.force_login(scored.first)
    page = client.get(f"/campaigns/{scored.campaign.pk}/reviews/").content.decode()
    assert "<td>县级政府</td>" in page and "<td>county</td>" not in page
    assert '<option value="county">县级政府</option>' in page
    assert ">103.00<" in page


def test_the_empty_score_shows_the_score_of_the_verdict(client, scored):  # noqa: F811
    """A 不符合 point showed its maximum greyed in the score field, read as full marks."""
    from pinggu.reviews.services import record_review

    record_review(scored.enrollment(0), "a1-2", evaluator=scored.first, verdict="fail", reason="无")
    record_review(scored.enrollment(0), "b-2", evaluator=scored.first, verdict="not_applicable")
    client.force_login(scored.first)

    def placeholder(code):
        page = client.get(f"/campaigns/{scored.campaign.pk}/reviews/u-a/?point={code}").content.decode()
        return re.search(r'id="score"[^>]*placeholder="([^"]*)"', page).group(1)

    assert (placeholder("a1-2"), placeholder("b-2"), placeholder("a1-1")) == ("0", "", "20.00")


def test_autosave_records_the_review_and_shows_the_refusal_in_words(client, scored):  # noqa: F811
    client.force_login(scored.first)
    base = f"/campaigns/{scored.campaign.pk}/reviews/u-a/"
    page = client.get(base)
    assert page.status_code == 200 and "a1-1" in page.content.decode()
    saved = client.post(base + "points/a2-1/", {"verdict": "pass"})
    assert "已保存" in saved.content.decode()
    assert Review.objects.get(checkpoint__code="a2-1").score == 20  # full marks by default (its points)
    refused = client.post(base + "points/a2-2/", {"verdict": "partial", "score": "3"})
    assert "未保存" in refused.content.decode() and "失分原因" in refused.content.decode()
    ruled = client.post(base + "points/a1-1/", {"verdict": "partial", "rule-0": "3", "reason": "三处未公开"})
    assert "已保存" in ruled.content.decode()
    assert Review.objects.get(checkpoint__code="a1-1").deductions.get().count == 3
    client.post("/reviews/phrases/", {"reason": "三处未公开"})
    assert ReasonPhrase.objects.filter(user=scored.first, text="三处未公开").exists()
    assert "三处未公开" in client.get(base + "?point=a1-1").content.decode()


def test_second_evaluator_sees_the_first_review(client, scored):  # noqa: F811
    client.force_login(scored.first)
    base = f"/campaigns/{scored.campaign.pk}/reviews/u-a/"
    client.post(base + "points/a2-1/", {"verdict": "pass"})
    client.force_login(scored.second)
    page = client.get(base + "?point=a2-1").content.decode()
    assert "复核" in page and "初评" in page
    client.post(base + "points/a2-1/", {"verdict": "pass"})
    assert Review.objects.filter(checkpoint__code="a2-1", stage="second").exists()
    changed = client.post(base + "points/a2-1/", {"verdict": "fail"})
    assert "未保存" in changed.content.decode() and "原因" in changed.content.decode()


def test_return_from_the_review_screen_and_new_material_is_marked(client, scored):  # noqa: F811
    client.force_login(scored.first)
    base = f"/campaigns/{scored.campaign.pk}/reviews/u-a/"
    due = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(base + "returns/", {"checkpoints": ["a1-1", "a2-2"], "reason": "请补充", "due": due})
    assert response.status_code == 302
    assert ReturnRound.objects.get().number == 1
    e = scored.enrollment(0)
    evidence.add_link(e, "a1-1", "https://example.org/new", user=scored.subs[0])
    evidence.submit(e, user=scored.subs[0], acknowledge_incomplete=True)
    page = client.get(base + "?point=a1-1").content.decode()
    assert ">新<" in page and "第1轮" in page and "重新报送" in page


def test_the_units_workspace_reopens_exactly_the_returned_points(client, scored):  # noqa: F811
    from pinggu.reviews import returns

    returns.return_points(scored.enrollment(0), ["a1-1", "a2-2"], reason="请补充制度文件",
                          due=timezone.now() + timedelta(days=2), user=scored.first)
    client.force_login(scored.subs[0])
    page = client.get(f"/campaigns/{scored.campaign.pk}/units/u-a/").content.decode()
    assert "请补充制度文件" in page and "第1轮退回补充" in page and "a1-1、a2-2" in page
    assert page.count("data-upload-url") == 2
    assert "/points/a1-1/upload/" in page and "/points/a2-1/upload/" not in page
