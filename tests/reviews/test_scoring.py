"""§3 of issue 10 computed by hand: every expected number is worked out in the comment beside it."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinggu.reviews.scoring import (
    DeductionIn,
    PointResult,
    Rankable,
    ScoringError,
    judge,
    rank,
    rounded,
    score_unit,
)

# Points framework: 100 points, bonus cap 3.
#   A (60)                 A1 (cap 10): a1-1 20 [每例扣2分, 缺失扣5分], a1-2 10
#                          A2:          a2-1 20, a2-2 10
#   B (40)                 b-1 30 (单项否决), b-2 10, b-x 5 (加分项)
POINTS_FW = {
    "scoring_mode": "points", "total_points": 100, "bonus_cap": 3,
    "grade_bands": [{"name": "优秀", "min": 90}, {"name": "良好", "min": 80}, {"name": "合格", "min": 60},
                    {"name": "不合格", "min": 0}],
    "indicators": [
        {"code": "A", "level": 1, "points": 60, "children": [
            {"code": "A1", "level": 2, "points": 30, "deduction_cap": 10, "children": [], "checkpoints": [
                {"code": "a1-1", "points": 20, "deduction_rules": [{"text": "每例扣2分", "points": 2},
                                                                   {"text": "缺失扣5分", "points": 5}]},
                {"code": "a1-2", "points": 10}]},
            {"code": "A2", "level": 2, "points": 30, "children": [], "checkpoints": [
                {"code": "a2-1", "points": 20}, {"code": "a2-2", "points": 10}]},
        ], "checkpoints": []},
        {"code": "B", "level": 1, "points": 40, "children": [], "checkpoints": [
            {"code": "b-1", "points": 30, "veto": True}, {"code": "b-2", "points": 10},
            {"code": "b-x", "points": 5, "bonus": True}]},
    ],
}


def cp(code, fw=POINTS_FW):
    def find(nodes):
        for node in nodes:
            for point in node.get("checkpoints") or []:
                if point["code"] == code:
                    return point
            found = find(node.get("children") or [])
            if found:
                return found
    return find(fw["indicators"])


def judged(code, verdict, score=None, deductions=(), reason="原因", fw=POINTS_FW):
    j = judge(cp(code, fw), fw["scoring_mode"], verdict=verdict, score=score, deductions=deductions, reason=reason)
    return PointResult(j.verdict, j.score)


def points_unit(**overrides):
    reviews = {
        # 3 × 每例扣2分 + 1 × 缺失扣5分 = 11 → 20 − 11 = 9 (loss 11)
        "a1-1": judged("a1-1", "partial", deductions=[DeductionIn(rule=0, count=3), DeductionIn(rule=1)]),
        "a1-2": judged("a1-2", "fail"),  # 0 (loss 10)
        "a2-1": judged("a2-1", "pass", reason=""),  # 20
        "a2-2": judged("a2-2", "partial", score="7.5"),  # loss 2.5
        "b-1": judged("b-1", "pass", reason=""),  # 30
        "b-2": judged("b-2", "not_applicable"),  # leaves both sums
        "b-x": judged("b-x", "partial", score=4),  # bonus 4, capped at 3
    }
    reviews.update(overrides)
    return reviews


def test_points_mode_by_hand():
    result = score_unit(POINTS_FW, points_unit())
    # A1 loss = 11 + 10 = 21, capped at 10; A2 loss = 2.5; B loss = 0 (b-2 不适用, b-x bonus).
    # applicable maximum = 20 + 10 + 20 + 10 + 30 = 90; earned = 90 − 10 − 2.5 = 77.5
    # base = 77.5 ÷ 90 × 100 = 86.111…; bonus = min(4, 3) = 3; total = 89.111… → 89.11, 良好 (80 ≤ 89.11 < 90)
    assert result.complete and result.reviewed == result.points == 7
    assert rounded(result.base) == D("86.11")
    assert result.base == D("77.5") / D(90) * D(100)
    assert result.bonus == D(3)
    assert rounded(result.total) == D("89.11")
    assert result.grade == "良好" and not result.vetoed
    by_code = {i.code: (i.score, i.max) for i in result.indicators}
    assert by_code["A1"] == (D(20), D(30))  # 30 − capped 10
    assert by_code["A2"] == (D("27.5"), D(30))
    assert by_code["A"] == (D("47.5"), D(60))  # A's own loss = 10 + 2.5 (no cap of its own)
    assert by_code["B"] == (D(30), D(30))  # b-2 不适用 leaves B's maximum
    assert [i.code for i in result.indicators] == ["A", "A1", "A2", "B"]


def test_every_point_applicable_and_full_marks_is_the_total():
    reviews = {code: judged(code, "pass", reason="") for code in ("a1-1", "a1-2", "a2-1", "a2-2", "b-1", "b-2", "b-x")}
    result = score_unit(POINTS_FW, reviews)
    # base = 100 (nothing lost, nothing scaled); bonus = min(5, 3) = 3 → 103, 优秀
    assert (result.base, result.bonus, result.total, result.grade) == (D(100), D(3), D(103), "优秀")


def test_veto_point_failed_gives_the_lowest_band():
    result = score_unit(POINTS_FW, points_unit(**{"b-1": judged("b-1", "fail")}))
    # b-1 fails: loss 30. earned = 90 − 10 − 2.5 − 30 = 47.5; base = 47.5 ÷ 90 × 100 = 52.777…; + 3 = 55.78
    assert rounded(result.total) == D("55.78")
    assert result.vetoed and result.grade == "不合格"


def test_veto_gives_lowest_band_even_with_a_high_total():
    fw = {**POINTS_FW, "indicators": [{"code": "V", "level": 1, "children": [], "checkpoints": [
        {"code": "v-1", "points": 99}, {"code": "v-2", "points": 1, "veto": True}]}]}
    reviews = {"v-1": judged("v-1", "pass", fw=fw), "v-2": judged("v-2", "fail", fw=fw)}
    result = score_unit(fw, reviews)
    # earned 99 of 100 → 99, which would be 优秀; vetoed → the lowest band
    assert result.total == D(99) and result.vetoed and result.grade == "不合格"


def test_unreviewed_point_means_no_total():
    reviews = points_unit()
    del reviews["b-x"]
    result = score_unit(POINTS_FW, reviews)
    assert (result.reviewed, result.points, result.complete, result.total, result.grade) == (6, 7, False, None, None)


def test_default_grade_bands_when_the_framework_has_none():
    fw = {**POINTS_FW, "grade_bands": []}
    result = score_unit(fw, points_unit())
    assert result.grade == "良好"  # 89.11: 良好 ≥ 80 of the defaults


# Weights framework: 100 points.
#   X (60 %)   X1 (50 %): x1a, x1b (no weights: mean)     X2 (50 %): x2a 70 %, x2b 30 %
#   Y (40 %)   y1, y2 (no weights: mean)
WEIGHTS_FW = {
    "scoring_mode": "weights", "total_points": 100,
    "indicators": [
        {"code": "X", "level": 1, "weight": 60, "checkpoints": [], "children": [
            {"code": "X1", "level": 2, "weight": 50, "children": [], "checkpoints": [{"code": "x1a"}, {"code": "x1b"}]},
            {"code": "X2", "level": 2, "weight": 50, "children": [], "checkpoints": [
                {"code": "x2a", "weight": 70}, {"code": "x2b", "weight": 30}]},
        ]},
        {"code": "Y", "level": 1, "weight": 40, "children": [], "checkpoints": [{"code": "y1"}, {"code": "y2"}]},
    ],
}


def w(code, verdict, score=None):
    return judged(code, verdict, score=score, fw=WEIGHTS_FW)


def test_weights_mode_by_hand():
    reviews = {"x1a": w("x1a", "partial", 80), "x1b": w("x1b", "partial", 60), "x2a": w("x2a", "pass"),
               "x2b": w("x2b", "partial", 50), "y1": w("y1", "partial", 90), "y2": w("y2", "pass")}
    result = score_unit(WEIGHTS_FW, reviews)
    # X1 = (0.8 + 0.6) ÷ 2 = 0.7; X2 = 0.7 × 1 + 0.3 × 0.5 = 0.85; X = 0.5 × 0.7 + 0.5 × 0.85 = 0.775
    # Y = (0.9 + 1) ÷ 2 = 0.95; total = 100 × (0.6 × 0.775 + 0.4 × 0.95) = 100 × 0.845 = 84.5
    assert result.total == D("84.5") and result.base == D("84.5") and result.bonus == D(0)
    assert result.grade == "良好"
    by_code = {i.code: i.score for i in result.indicators}
    assert by_code == {"X": D("77.5"), "X1": D(70), "X2": D(85), "Y": D(95)}


def test_weights_mode_not_applicable_renormalises():
    reviews = {"x1a": w("x1a", "partial", 80), "x1b": w("x1b", "partial", 60), "x2a": w("x2a", "not_applicable"),
               "x2b": w("x2b", "partial", 50), "y1": w("y1", "not_applicable"), "y2": w("y2", "not_applicable")}
    result = score_unit(WEIGHTS_FW, reviews)
    # X2: x2a removed, x2b's 30 % rescaled to 100 % → 0.5; X1 = 0.7; X = 0.5 × 0.7 + 0.5 × 0.5 = 0.6
    # Y all 不适用 → removed, X's 60 % rescaled to 100 %: total = 100 × 0.6 = 60, 合格
    assert result.total == D(60) and result.grade == "合格"
    assert {i.code: i.score for i in result.indicators}["Y"] is None


def test_ranks_per_kind_with_ties_vetoes_and_unreviewed():
    units = [
        Rankable("a", "county", D(90)), Rankable("b", "county", D("85.504")), Rankable("c", "county", D("85.495")),
        Rankable("d", "county", D(80)), Rankable("e", "county", D(95), vetoed=True),
        Rankable("f", "county", D(70), vetoed=True), Rankable("g", "county", None),
        Rankable("h", "department", D(50)),
    ]
    # b and c both show 85.50: they share 2 and the next is 4; vetoed e (95) ranks after every unit not vetoed.
    assert rank(units) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": 5, "f": 6, "g": None, "h": 1}


def test_equal_vetoed_totals_share_a_rank():
    units = [Rankable(1, "k", D(10), True), Rankable(2, "k", D(10), True), Rankable(3, "k", D(1))]
    assert rank(units) == {3: 1, 1: 2, 2: 2}


@pytest.mark.parametrize(("code", "kwargs", "error"), [
    ("a1-1", {"verdict": "partial", "score": 21}, "score_out_of_range"),
    ("a1-1", {"verdict": "partial", "score": -1, "reason": "x"}, "score_out_of_range"),
    ("a1-1", {"verdict": "partial", "score": 15}, "reason_required"),
    ("a1-1", {"verdict": "fail"}, "reason_required"),  # 0 < 20 with no reason
    ("a1-1", {"verdict": "partial"}, "score_required"),
    ("a1-1", {"verdict": "partial", "deductions": [DeductionIn(rule=2)], "reason": "x"}, "invalid_deduction"),
    ("a1-1", {"verdict": "partial", "deductions": [DeductionIn(rule=0, count=0)], "reason": "x"}, "invalid_deduction"),
    ("a1-1", {"verdict": "partial", "deductions": [DeductionIn(text="", points=D(1))], "reason": "x"}, "invalid_deduction"),
    ("a1-1", {"verdict": "partial", "deductions": [DeductionIn(rule=0)], "score": 10, "reason": "x"}, "invalid_deduction"),
    ("a1-1", {"verdict": "good"}, "invalid_verdict"),
])
def test_refusals(code, kwargs, error):
    kwargs.setdefault("reason", "")
    with pytest.raises(ScoringError) as refused:
        judge(cp(code), "points", **kwargs)
    assert refused.value.code == error and refused.value.status == 400


def test_deductions_are_capped_at_the_maximum_and_free_text_counts():
    j = judge(cp("a1-2"), "points", verdict="fail", reason="缺",
              deductions=[DeductionIn(text="栏目缺失", points=D(4), count=3)])
    # 3 × 4 = 12 > 10 → score 10 − min(10, 12) = 0
    assert j.score == D(0) and j.deductions[0].amount == D(12)


# --- Properties ---------------------------------------------------------------------

VERDICT = st.sampled_from(["pass", "partial", "fail", "not_applicable"])


@st.composite
def points_reviews(draw):
    reviews = {}
    for code in ("a1-1", "a1-2", "a2-1", "a2-2", "b-1", "b-2", "b-x"):
        verdict = draw(VERDICT)
        maximum = D(cp(code)["points"])
        score = draw(st.decimals(min_value=0, max_value=maximum, places=2)) if verdict == "partial" else None
        reviews[code] = judged(code, verdict, score=score, reason="r")
    return reviews


@settings(max_examples=200, deadline=None)
@given(points_reviews())
def test_total_stays_within_zero_and_total_plus_bonus_cap(reviews):
    result = score_unit(POINTS_FW, reviews)
    assert D(0) <= result.base <= D(100)
    assert D(0) <= result.total <= D(103)
    assert result.vetoed == (reviews["b-1"].verdict == "fail")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.decimals(min_value=0, max_value=120, places=3), st.booleans(),
                          st.sampled_from(["k1", "k2"])), min_size=1, max_size=12))
def test_rank_order_follows_totals(rows):
    units = [Rankable(i, kind, total, vetoed) for i, (total, vetoed, kind) in enumerate(rows)]
    ranks = rank(units)
    for u in units:
        for v in units:
            if u.kind != v.kind:
                continue
            better = (not u.vetoed and v.vetoed) or (u.vetoed == v.vetoed and rounded(u.total) > rounded(v.total))
            if better:
                assert ranks[u.key] < ranks[v.key]
            if u.vetoed == v.vetoed and rounded(u.total) == rounded(v.total):
                assert ranks[u.key] == ranks[v.key]
        assert 1 <= ranks[u.key] <= sum(1 for v in units if v.kind == u.kind)
