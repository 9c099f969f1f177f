"""The scoring rules of issue 10 §3, written once, over plain data (no ORM inside the arithmetic).

Input is a framework in its portable shape (`frameworks.services.to_dict`: indicators with children and
checkpoints, numbers as int/float/Decimal) and the counting judgement of each point. Everything is Decimal;
nothing is rounded here except `rounded` (half-up to 2 decimals), which callers use when they show or store a
total.

Decisions where the issue is silent (documented in the report and in docs):
- Points mode scales the base to `total_points` whenever the applicable maximum differs from it (不适用, or a
  framework whose points do not add up): base = earned ÷ applicable maximum × total_points. With every point
  applicable and points that add up (what the importer checks) this is exactly Σ (max − loss).
- When every non-bonus point is 不适用 nothing was lost: the base is the full total_points.
- Weights mode: an indicator whose children carry no weights weighs them equally; a bonus point adds
  its `points` × score % on top (capped like in points mode).
- Equal totals means equal totals after rounding to 2 decimals: what the ranking shows is what it compares.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, overload

from django.utils.translation import gettext as _

from pinggu.errors import DomainError

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
MAX_STORED = Decimal("999999.99")  # what a DecimalField(max_digits=8, decimal_places=2) holds

PASS, PARTIAL, FAIL, NOT_APPLICABLE = "pass", "partial", "fail", "not_applicable"
VERDICTS = (PASS, PARTIAL, FAIL, NOT_APPLICABLE)
POINTS, WEIGHTS = "points", "weights"

DEFAULT_GRADE_BANDS = (("优秀", Decimal(90)), ("良好", Decimal(80)), ("合格", Decimal(60)), ("不合格", ZERO))


class ScoringError(DomainError):
    """A judgement the rules refuse (400, with the codes of the API contract)."""


def dec(value: Any) -> Decimal | None:
    """A Decimal from what the portable shape carries (int, float from out_number, str, Decimal)."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


@overload
def rounded(value: Decimal) -> Decimal: ...
@overload
def rounded(value: None) -> None: ...
def rounded(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- One point ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeductionIn:
    """A deduction as the evaluator gives it: a rule of the point (0-based index) or free text with points."""

    rule: int | None = None
    text: str = ""
    count: int = 1
    points: Decimal | None = None


@dataclass(frozen=True)
class Deduction:
    rule: int | None
    text: str
    count: int
    points: Decimal  # per count

    @property
    def amount(self) -> Decimal:
        return self.count * self.points


@dataclass(frozen=True)
class Judgement:
    verdict: str
    score: Decimal | None  # None for 不适用
    max: Decimal
    deductions: tuple[Deduction, ...] = ()


def point_max(point: Mapping[str, Any], mode: str) -> Decimal:
    """A point's maximum: its points (points mode) or 100 % (weights mode)."""
    if mode == WEIGHTS:
        return HUNDRED
    return dec(point.get("points")) or ZERO


def judge(point: Mapping[str, Any], mode: str, *, verdict: str, score: Any = None,
          deductions: Iterable[DeductionIn] = (), reason: str = "") -> Judgement:
    """Check one judgement of one point against §3 and return the score that counts.

    `point` is a checkpoint of the portable shape. Refusals: `invalid_verdict`, `invalid_deduction`,
    `score_required`, `score_out_of_range`, `reason_required`.
    """
    if verdict not in VERDICTS:
        raise ScoringError(_("评估结论无效，可选：符合、部分符合、不符合、不适用。"), code="invalid_verdict")
    maximum = point_max(point, mode)
    rules = point.get("deduction_rules") or []
    clean: list[Deduction] = []
    for d in deductions:
        if d.count is None or d.count < 1:
            raise ScoringError(_("扣分次数必须是正整数。"), code="invalid_deduction")
        if d.rule is not None:
            if not 0 <= d.rule < len(rules) or dec(rules[d.rule].get("points")) is None:
                raise ScoringError(_("扣分规则不存在。"), code="invalid_deduction")
            clean.append(Deduction(d.rule, str(rules[d.rule].get("text") or ""), d.count, dec(rules[d.rule]["points"]) or ZERO))
        else:
            amount = dec(d.points)
            if amount is None or not amount.is_finite() or not ZERO <= amount <= MAX_STORED \
                    or amount != amount.quantize(CENT) or not d.text.strip():
                raise ScoringError(_("自定义扣分须写明扣分事项和分值（不小于 0）。"), code="invalid_deduction")
            clean.append(Deduction(None, d.text.strip(), d.count, amount))
    if verdict == NOT_APPLICABLE:
        if clean:
            raise ScoringError(_("不适用的考核点不能扣分。"), code="invalid_deduction")
        return Judgement(verdict, None, maximum)
    given = None
    if score is not None and score != "":
        try:
            given = dec(score)
        except ArithmeticError:
            raise ScoringError(_("分数不是数字。"), code="score_out_of_range") from None
        if given is None or not given.is_finite():
            raise ScoringError(_("分数不是数字。"), code="score_out_of_range")
        if ZERO <= given <= maximum and given != given.quantize(CENT):
            raise ScoringError(_("得分最多保留两位小数。"), code="score_out_of_range")
    if clean:
        computed = maximum - min(maximum, sum((d.amount for d in clean), ZERO))
        if given is not None and given != computed:
            raise ScoringError(_("分数 %(given)s 与扣分后的得分 %(computed)s 不一致。") % {"given": given, "computed": computed},
                               code="invalid_deduction")
        value = computed
    elif given is not None:
        value = given
    elif verdict == PASS:
        value = maximum
    elif verdict == FAIL:
        value = ZERO
    else:
        raise ScoringError(_("部分符合须给出得分或扣分。"), code="score_required")
    if not ZERO <= value <= maximum:
        raise ScoringError(_("得分须在 0 到 %(max)s 之间。") % {"max": maximum}, code="score_out_of_range")
    if value < maximum and not (reason or "").strip():
        raise ScoringError(_("得分低于满分时须写明失分原因。"), code="reason_required")
    return Judgement(verdict, value, maximum, tuple(clean))


# --- One unit -----------------------------------------------------------------------


@dataclass(frozen=True)
class PointResult:
    verdict: str  # the counting review's verdict
    score: Decimal | None  # None for 不适用


@dataclass
class IndicatorScore:
    code: str
    level: int
    score: Decimal | None  # points: max − capped loss; weights: ratio × 100; None when nothing applies
    max: Decimal | None


@dataclass
class UnitScore:
    reviewed: int  # points with a counting review
    points: int  # all points
    complete: bool
    base: Decimal | None = None
    bonus: Decimal | None = None
    total: Decimal | None = None
    vetoed: bool = False
    grade: str | None = None
    indicators: list[IndicatorScore] = field(default_factory=list)


def _checkpoints(node: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from node.get("checkpoints") or []
    for child in node.get("children") or []:
        yield from _checkpoints(child)


def grade_for(total: Decimal, bands: Sequence[Mapping[str, Any]] | None, vetoed: bool = False) -> str | None:
    """The highest band whose minimum the total reaches; the lowest band when vetoed."""
    ordered = sorted(((str(b["name"]), dec(b.get("min")) or ZERO) for b in bands), key=lambda b: b[1], reverse=True) \
        if bands else list(DEFAULT_GRADE_BANDS)
    if not ordered:
        return None
    if vetoed:
        return ordered[-1][0]
    for name, minimum in ordered:
        if total >= minimum:
            return name
    return None


def score_unit(framework: Mapping[str, Any], reviews: Mapping[str, PointResult]) -> UnitScore:
    """A unit's score under §3: `framework` in the portable shape, `reviews` by checkpoint code (the counting
    review of each point: the 复核 one where there is one)."""
    mode = framework.get("scoring_mode") or POINTS
    roots = framework.get("indicators") or []
    all_points = [cp for root in roots for cp in _checkpoints(root)]
    reviewed = sum(1 for cp in all_points if cp["code"] in reviews)
    result = UnitScore(reviewed=reviewed, points=len(all_points), complete=reviewed == len(all_points))
    result.vetoed = any(cp.get("veto") and reviews.get(cp["code"], PointResult("", None)).verdict == FAIL
                        for cp in all_points)
    if not result.complete:
        return result
    total_points = dec(framework.get("total_points"))
    total_points = HUNDRED if total_points is None else total_points
    if mode == WEIGHTS:
        base, bonus = _weights(roots, reviews, total_points, result)
    else:
        base, bonus = _points(roots, reviews, total_points, result)
    cap = dec(framework.get("bonus_cap"))
    if cap is not None:
        bonus = min(bonus, cap)
    result.base, result.bonus, result.total = base, bonus, base + bonus
    result.grade = grade_for(rounded(result.total), framework.get("grade_bands"), result.vetoed)
    return result


def _points(roots, reviews, total_points, result) -> tuple[Decimal, Decimal]:
    bonus = ZERO

    def visit(node) -> tuple[Decimal, Decimal]:
        """(applicable maximum, loss) of the subtree, the loss capped at the indicator's deduction_cap."""
        nonlocal bonus
        possible = loss = ZERO
        slot = IndicatorScore(node["code"], node.get("level") or 0, None, None)
        result.indicators.append(slot)  # parents before children, in the framework's order
        for child in node.get("children") or []:
            p, lost = visit(child)
            possible += p
            loss += lost
        for cp in node.get("checkpoints") or []:
            judged = reviews[cp["code"]]
            if judged.verdict == NOT_APPLICABLE:
                continue
            if cp.get("bonus"):
                bonus += judged.score or ZERO
                continue
            maximum = point_max(cp, POINTS)
            possible += maximum
            loss += maximum - (judged.score or ZERO)
        cap = dec(node.get("deduction_cap"))
        if cap is not None:
            loss = min(loss, cap)
        slot.max, slot.score = possible, possible - loss
        return possible, loss

    possible = loss = ZERO
    for root in roots:
        p, lost = visit(root)
        possible += p
        loss += lost
    if possible == ZERO:
        return total_points, bonus
    earned = possible - loss
    base = earned if possible == total_points else earned / possible * total_points
    return base, bonus


def _weights(roots, reviews, total_points, result) -> tuple[Decimal, Decimal]:
    bonus = ZERO

    def combine(parts: list[tuple[Decimal | None, Decimal | None]]) -> Decimal | None:
        """Σ weight × ratio ÷ Σ weight over the applicable parts (weights rescaled to 100 %)."""
        applicable = [(w, r) for w, r in parts if r is not None]
        if not applicable:
            return None
        if any(w is None for w, _ in applicable):
            weights = [Decimal(1)] * len(applicable)  # no weights given: equal shares
        else:
            weights = [w or ZERO for w, _ in applicable]
        weight_sum = sum(weights, ZERO)
        if weight_sum == ZERO:
            return None
        return sum((w * r for w, (_, r) in zip(weights, applicable)), ZERO) / weight_sum

    def visit(node) -> Decimal | None:
        nonlocal bonus
        slot = IndicatorScore(node["code"], node.get("level") or 0, None, None)
        result.indicators.append(slot)
        parts: list[tuple[Decimal | None, Decimal | None]] = [(dec(c.get("weight")), visit(c))
                                                               for c in node.get("children") or []]
        for cp in node.get("checkpoints") or []:
            judged = reviews[cp["code"]]
            if judged.verdict == NOT_APPLICABLE:
                continue
            share = (judged.score or ZERO) / HUNDRED
            if cp.get("bonus"):
                bonus += (dec(cp.get("points")) or ZERO) * share
                continue
            parts.append((dec(cp.get("weight")), share))
        ratio = combine(parts)
        if ratio is not None:
            slot.score, slot.max = ratio * HUNDRED, HUNDRED
        return ratio

    ratio = combine([(dec(root.get("weight")), visit(root)) for root in roots])
    base = total_points if ratio is None else total_points * ratio
    return base, bonus


# --- Many units ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rankable:
    key: Hashable
    kind: Hashable
    total: Decimal | None
    vetoed: bool = False


def rank(units: Iterable[Rankable]) -> dict[Hashable, int | None]:
    """Rank per unit kind: total descending, vetoed after every unit not vetoed, equal totals sharing a rank
    (1, 2, 2, 4). Units without a total have no rank."""
    ranks: dict[Hashable, int | None] = {}
    by_kind: dict[Hashable, list[Rankable]] = {}
    for unit in units:
        if unit.total is None:
            ranks[unit.key] = None
        else:
            by_kind.setdefault(unit.kind, []).append(unit)
    for members in by_kind.values():
        members.sort(key=lambda u: (u.vetoed, -(rounded(u.total) or ZERO)))
        previous = None
        for position, unit in enumerate(members, start=1):
            this = (unit.vetoed, rounded(unit.total))
            if this != previous:
                current = position
                previous = this
            ranks[unit.key] = current
    return ranks
