"""record_review, the selectors and the permission predicates, on a stored campaign (issue 10 §3, §7)."""

import copy
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from pinggu.accounts import permissions
from pinggu.accounts.models import AuditEvent, Role
from pinggu.campaigns import services as cs
from pinggu.campaigns.models import CampaignState, EvaluatorRole
from pinggu.evidence import services as evidence
from pinggu.frameworks import services as fw_services
from pinggu.reviews import selectors
from pinggu.reviews.models import Deduction, Results, Review
from pinggu.reviews.scoring import ScoringError
from pinggu.reviews.services import ReviewError, lock_results, publish_results, record_review, unlock_results

from ..conftest import make_user
from .test_scoring import POINTS_FW

pytestmark = pytest.mark.django_db


def stored_framework(compact, code):
    data = copy.deepcopy(compact)

    def fill(nodes):
        for node in nodes:
            node.setdefault("title", f"指标{node['code']}")
            for point in node.get("checkpoints") or []:
                point.setdefault("text", f"考核点{point['code']}")
            fill(node.get("children") or [])

    fill(data["indicators"])
    data.update(code=code, name="计分清单", year=2024, unit_kind="county", status="published")
    return fw_services.create_framework(data)


@pytest.fixture
def scored(db):
    """A points campaign with three counties (two submitted), a first evaluator for all, a 复核 evaluator for A."""
    stored_framework(POINTS_FW, "score-county")
    organizer = make_user("org")
    units = [cs.create_unit(name=name, kind="county", code=code) for name, code in
             (("甲县", "u-a"), ("乙县", "u-b"), ("丙县", "u-c"))]
    now = timezone.now()
    campaign = cs.create_campaign(title="计分任务", year=2024, opens_at=now - timedelta(days=1),
                                  deadline=now + timedelta(days=7), frameworks={"county": "score-county"})
    cs.enroll(campaign, units)
    cs.change_state(campaign, "open")
    first = make_user("eva1", role=Role.EVALUATOR)
    second = make_user("eva2", role=Role.EVALUATOR)
    cs.assign_evaluator(campaign, first, user=organizer)
    cs.assign_evaluator(campaign, second, units[0], role=EvaluatorRole.SECOND, user=organizer)
    subs = [make_user(f"sub-{u.code}", role=Role.SUBMITTER, unit=u) for u in units]
    for unit, sub in zip(units[:2], subs[:2]):
        evidence.submit(campaign.enrollments.get(unit=unit), user=sub, acknowledge_incomplete=True)

    class S:
        pass

    s = S()
    s.campaign, s.units, s.organizer, s.first, s.second, s.subs = campaign, units, organizer, first, second, subs
    s.enrollment = lambda i: campaign.enrollments.get(unit=units[i])
    return s


def review_all(s, i, **overrides):
    """The judgements of test_points_mode_by_hand (total 89.11), with `overrides` by code."""
    judgements = {
        "a1-1": {"verdict": "partial", "deductions": [{"rule": 0, "count": 3}, {"rule": 1}], "reason": "三处未公开"},
        "a1-2": {"verdict": "fail", "reason": "无"},
        "a2-1": {"verdict": "pass"},
        "a2-2": {"verdict": "partial", "score": "7.5", "reason": "不全"},
        "b-1": {"verdict": "pass"},
        "b-2": {"verdict": "not_applicable"},
        "b-x": {"verdict": "partial", "score": 4, "reason": "部分"},
    }
    judgements.update(overrides)
    for code, kwargs in judgements.items():
        record_review(s.enrollment(i), code, evaluator=s.first, **kwargs)


def test_record_review_stores_deductions_and_audits(scored):
    review = record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="partial",
                           deductions=[{"rule": 0, "count": 3}, {"text": "栏目缺失", "points": 1}],
                           reason="三处未公开", comment="内部：下次再看")
    # 20 − (3 × 2 + 1 × 1) = 13
    assert review.score == D(13) and review.stage == "first"
    assert [(d.rule, d.text, d.count, d.points) for d in Deduction.objects.filter(review=review)] == [
        (0, "每例扣2分", 3, D(2)), (None, "栏目缺失", 1, D(1))]
    event = AuditEvent.objects.filter(action="review").latest("id")
    assert event.details["checkpoint"] == "a1-1" and event.details["score"] == "13.00"
    record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass")
    assert Review.objects.get(pk=review.pk).score == D(20) and not Deduction.objects.filter(review=review).exists()
    changed = AuditEvent.objects.filter(action="review_change").latest("id")
    assert changed.details["previous_score"] == "13.00" and changed.details["score"] == "20.00"


def test_unit_not_submitted_is_refused_409(scored):
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(2), "a1-1", evaluator=scored.first, verdict="pass")
    assert (refused.value.code, refused.value.status) == ("not_submitted", 409)


def test_locked_or_published_results_are_refused_409(scored):
    Results.objects.create(campaign=scored.campaign, locked_at=timezone.now())
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass")
    assert (refused.value.code, refused.value.status) == ("results_locked", 409)
    Results.objects.all().delete()
    scored.campaign.state = CampaignState.PUBLISHED
    scored.campaign.save()
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass")
    assert refused.value.code == "results_locked"


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"verdict": "partial", "score": 21}, "score_out_of_range"),
    ({"verdict": "partial", "score": 15}, "reason_required"),
    ({"verdict": "partial", "deductions": [{"rule": 5}], "reason": "x"}, "invalid_deduction"),
])
def test_refusals_reach_the_service_with_their_codes(scored, kwargs, code):
    with pytest.raises(ScoringError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, **kwargs)
    assert (refused.value.code, refused.value.status) == (code, 400)
    assert not Review.objects.exists()


def test_unknown_point_is_404_and_unassigned_evaluator_403(scored):
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "nope", evaluator=scored.first, verdict="pass")
    assert refused.value.status == 404
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(1), "a1-1", evaluator=scored.second, verdict="pass", stage="second")
    assert refused.value.status == 403  # eva2 reviews 甲县 only
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.second, verdict="pass")
    assert refused.value.status == 403  # eva2 is the 复核, not the first evaluator


def test_second_review_counts_and_both_are_kept(scored):
    review_all(scored, 0)
    with pytest.raises(ReviewError) as refused:  # changing the first score needs a reason
        record_review(scored.enrollment(0), "a2-2", evaluator=scored.second, verdict="pass", stage="second", reason="")
    assert refused.value.code == "reason_required"
    record_review(scored.enrollment(0), "a2-2", evaluator=scored.second, verdict="pass", stage="second", reason="材料齐全")
    # a2-2 now 10 (loss 0): earned = 90 − 10 = 80; base = 80 ÷ 90 × 100 = 88.888…; + 3 = 91.89, 优秀
    result = selectors.unit_result(scored.enrollment(0))
    assert result["total"] == 91.89 and result["grade"] == "优秀"
    stages = selectors.stages_of(scored.enrollment(0))["a2-2"]
    assert (stages["first"].score, stages["second"].score) == (D("7.5"), D(10))


def test_scores_and_ranks_of_the_campaign(scored):
    review_all(scored, 0)
    # 乙县: b-1 (单项否决) fails: earned = 90 − 12.5 − 30 = 47.5 → 52.777… + 3 = 55.78, vetoed, 不合格
    review_all(scored, 1, **{"b-1": {"verdict": "fail", "reason": "否决"}})
    rows = {row["unit_code"]: row for row in selectors.unit_scores(scored.campaign)["units"]}
    assert (rows["u-a"]["total"], rows["u-a"]["grade"], rows["u-a"]["rank"], rows["u-a"]["vetoed"]) == (89.11, "良好", 1, False)
    assert (rows["u-a"]["base"], rows["u-a"]["bonus"]) == (86.11, 3.0)
    assert (rows["u-b"]["total"], rows["u-b"]["grade"], rows["u-b"]["rank"], rows["u-b"]["vetoed"]) == (55.78, "不合格", 2, True)
    assert (rows["u-c"]["total"], rows["u-c"]["rank"], rows["u-c"]["reviewed"]) == (None, None, 0)
    assert {"code": "A1", "level": 2, "score": 20.0, "max": 30.0} in rows["u-a"]["indicators"]
    # eva2 reaches 甲县 only
    assert [r["unit_code"] for r in selectors.unit_scores(scored.campaign, scored.second)["units"]] == ["u-a"]
    # the queue: submitted units only
    queue = selectors.review_queue(scored.campaign, scored.first)["units"]
    assert [(r["unit_code"], r["reviewed"], r["points"]) for r in queue] == [("u-a", 7, 7), ("u-b", 7, 7)]


def test_unit_result_hides_comments_and_the_unpublished_rank(scored):
    review_all(scored, 0, **{"a1-2": {"verdict": "fail", "reason": "无", "comment": "内部意见勿外传"}})
    for_unit = selectors.unit_result(scored.enrollment(0), for_unit=True)
    assert "内部意见勿外传" not in str(for_unit)
    assert for_unit["rank"] is None
    point = next(p for p in for_unit["checkpoints"] if p["code"] == "a1-1")
    assert point == {"code": "a1-1", "verdict": "partial", "score": 9.0, "max": 20.0, "reason": "三处未公开", "stage": "first",
                     "deductions": [{"rule": 0, "text": "每例扣2分", "count": 3, "points": 2.0},
                                    {"rule": 1, "text": "缺失扣5分", "count": 1, "points": 5.0}]}
    to_reviewing(scored.campaign)
    publish_results(scored.campaign, user=scored.organizer, publish_ranking=True, force=True)
    assert selectors.unit_result(scored.enrollment(0), for_unit=True)["rank"] == 1


def test_permission_predicates(scored):
    a, b = scored.enrollment(0), scored.enrollment(1)
    viewer = make_user("boss", role=Role.VIEWER)
    assert permissions.can_review(scored.organizer, a)
    assert permissions.can_review(scored.first, a) and permissions.can_review(scored.first, b)
    assert permissions.can_review(scored.second, a) and not permissions.can_review(scored.second, b)
    assert permissions.can_review(scored.second, a, stage="second")
    assert not permissions.can_review(scored.second, a, stage="first")
    assert not permissions.can_review(viewer, a) and not permissions.can_review(scored.subs[0], a)
    scored.first.is_active = False
    assert not permissions.can_review(scored.first, a)
    assert permissions.can_publish(scored.organizer, scored.campaign)
    for user in (scored.second, viewer, scored.subs[0]):
        assert not permissions.can_publish(user, scored.campaign)
    assert not permissions.can_view_results(scored.subs[0], a)  # before publication
    assert permissions.can_view_results(scored.subs[0], a, published=True)
    assert not permissions.can_view_results(scored.subs[1], a, published=True)  # never another unit's
    assert permissions.can_view_results(viewer, a) and permissions.can_view_results(scored.second, a)
    assert not permissions.can_view_results(scored.second, b)


def test_reason_phrases_are_per_evaluator_and_kept_once(scored):
    from pinggu.reviews.models import ReasonPhrase
    from pinggu.reviews.services import save_phrase

    save_phrase(scored.first, " 未公开年度报告 ")
    save_phrase(scored.first, "未公开年度报告")
    save_phrase(scored.second, "未公开年度报告")
    assert list(ReasonPhrase.objects.filter(user=scored.first).values_list("text", flat=True)) == ["未公开年度报告"]
    assert ReasonPhrase.objects.count() == 2
    with pytest.raises(ReviewError) as refused:
        save_phrase(scored.first, "  ")
    assert refused.value.code == "phrase_empty"


def to_reviewing(campaign):
    cs.change_state(campaign, CampaignState.CLOSED)
    cs.change_state(campaign, CampaignState.REVIEWING)


def test_publish_refuses_unreviewed_units_unless_forced(scored):
    review_all(scored, 0)
    to_reviewing(scored.campaign)
    with pytest.raises(ReviewError) as refused:
        publish_results(scored.campaign, user=scored.organizer)
    # 丙县 never submitted, 乙县 submitted but unreviewed: neither has a total (units in pinyin order)
    assert (refused.value.code, refused.value.status, refused.value.extra["unit_codes"]) == (
        "unreviewed_units", 409, ["u-c", "u-b"])
    with pytest.raises(ReviewError) as refused:
        publish_results(scored.campaign, user=scored.first, force=True)
    assert refused.value.status == 403
    results = publish_results(scored.campaign, user=scored.organizer, force=True)
    scored.campaign.refresh_from_db()
    assert scored.campaign.state == CampaignState.PUBLISHED and results.locked_at and not results.ranking_published
    event = AuditEvent.objects.filter(action="results_publish").latest("id")
    assert event.details["forced"] is True and event.details["units"] == ["u-c", "u-b"]
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass")
    assert refused.value.code == "results_locked"


def test_lock_and_unlock(scored):
    lock_results(scored.campaign, user=scored.organizer)
    with pytest.raises(ReviewError) as refused:
        record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass")
    assert refused.value.code == "results_locked"
    unlock_results(scored.campaign, user=scored.organizer)
    assert record_review(scored.enrollment(0), "a1-1", evaluator=scored.first, verdict="pass").score == D(20)
    assert list(AuditEvent.objects.filter(action__startswith="results_").values_list("action", flat=True).order_by("id")) == [
        "results_lock", "results_unlock"]
