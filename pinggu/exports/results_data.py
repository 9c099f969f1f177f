"""The results of a campaign gathered once for the result exports (scores.xlsx, the per-unit reports, the
summary): the numbers come from `reviews.selectors.unit_scores` (the same as `GET …/scores`), the deductions
from the counting reviews; the names of indicators and points from the frameworks. A fixed number of queries
whatever the number of units."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pinggu.campaigns.models import Campaign, CampaignState
from pinggu.frameworks.services import to_dict
from pinggu.reviews import selectors
from pinggu.reviews.models import Rectification, Results, Review
from pinggu.reviews.scoring import point_max


@dataclass
class Point:
    code: str
    text: str
    indicator: str  # the code of the indicator holding it
    max: float | None
    verdict: str | None = None
    score: float | None = None
    reason: str = ""
    deductions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lost(self) -> bool:
        return self.score is not None and self.max is not None and self.score < self.max


@dataclass
class Rectified:
    """The unit's 整改 of a point that lost score."""

    measures: str
    done: bool
    done_at: Any  # a datetime, or None


@dataclass
class Indicator:
    code: str
    title: str
    level: int
    score: float | None
    max: float | None
    points: list[Point] = field(default_factory=list)


@dataclass
class UnitResult:
    enrollment_id: int
    unit_code: str
    unit_name: str
    kind: str
    kind_name: str
    framework_id: int
    reviewed: int
    points: int
    total: float | None
    base: float | None
    bonus: float | None
    grade: str | None
    vetoed: bool
    rank: int | None
    indicators: list[Indicator]
    evaluators: list[str]
    reviewed_on: Any  # the date of the last review, or None
    rectifications: dict[str, Rectified] = field(default_factory=dict)  # by point code

    @property
    def rectification_rate(self) -> float | None:
        """Rectified lost points ÷ lost points (None when nothing was lost), as `GET …/rectification` counts."""
        lost = self.lost_points
        if not lost:
            return None
        return round(sum(1 for p in lost if (r := self.rectifications.get(p.code)) and r.done) / len(lost), 4)

    @property
    def lost_points(self) -> list[Point]:
        return [p for i in self.indicators for p in i.points if p.lost]


@dataclass
class CampaignResults:
    campaign: Campaign
    published: bool
    ranking_published: bool
    published_at: Any
    units: list[UnitResult]
    # {framework id: [(code, title, level)]} the indicators in the framework's order, for the columns
    columns: dict[int, list[tuple[str, str, int]]]

    def by_kind(self) -> dict[str, list[UnitResult]]:
        """Units per kind, ranked (rank, then name; units without a total last)."""
        out: dict[str, list[UnitResult]] = defaultdict(list)
        for unit in self.units:
            out[unit.kind_name].append(unit)
        for members in out.values():
            members.sort(key=lambda u: (u.rank is None, u.rank or 0, u.unit_name))
        return dict(out)

    def frequent_deductions(self, limit: int = 10) -> list[tuple[str, str, int]]:
        """(point code, deduction or point text, how many units) the most frequent first."""
        counter: Counter[tuple[str, str]] = Counter()
        for unit in self.units:
            seen = set()
            for point in unit.lost_points:
                texts = [d["text"] for d in point.deductions] or [point.text]
                for text in texts:
                    seen.add((point.code, text))
            counter.update(seen)
        return [(code, text, n) for (code, text), n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def _walk(nodes, parent_code, out_nodes, out_points):
    for node in nodes:
        out_nodes.append((node["code"], node.get("title") or node.get("name") or "", node.get("level") or 0))
        for cp in node.get("checkpoints") or []:
            out_points.append((node["code"], cp))
        _walk(node.get("children") or [], node["code"], out_nodes, out_points)


def gather(campaign: Campaign, user=None, unit_codes: list[str] | None = None) -> CampaignResults:
    """Everything the result exports show, for the units `user` may see (all when None)."""
    scores = selectors.unit_scores(campaign, user)["units"]
    enrollments = {e.unit.code: e for e in campaign.enrollments.select_related("unit__kind", "framework")}
    if unit_codes is not None:
        scores = [row for row in scores if row["unit_code"] in unit_codes]
    chosen = [enrollments[row["unit_code"]] for row in scores]
    frameworks = {e.framework_id: e.framework for e in chosen}
    trees: dict[int, tuple[list, list, str]] = {}
    for pk, framework in frameworks.items():
        data = to_dict(framework)
        nodes: list[tuple[str, str, int]] = []
        points: list[tuple[str, dict]] = []
        _walk(data.get("indicators") or [], None, nodes, points)
        trees[pk] = (nodes, points, str(data.get("scoring_mode") or "points"))
    reviews = selectors.counting_reviews(chosen, with_deductions=True)
    evaluators: dict[int, set[str]] = defaultdict(set)
    last: dict[int, Any] = {}
    for enrollment_id, name, username, updated in Review.objects.filter(enrollment__in=chosen).values_list(
            "enrollment_id", "evaluator__display_name", "evaluator__username", "updated_at"):
        if username:
            evaluators[enrollment_id].add(name or username)
        if enrollment_id not in last or updated > last[enrollment_id]:
            last[enrollment_id] = updated
    rectified: dict[int, dict[str, Rectified]] = defaultdict(dict)
    for enrollment_id, code, measures, done, done_at in Rectification.objects.filter(enrollment__in=chosen).values_list(
            "enrollment_id", "checkpoint__code", "measures", "done", "done_at"):
        rectified[enrollment_id][code] = Rectified(measures, done, done_at)
    results = Results.objects.filter(campaign=campaign).first()
    published = campaign.state == CampaignState.PUBLISHED
    units = []
    for row in scores:
        e = enrollments[row["unit_code"]]
        nodes, points, mode = trees[e.framework_id]
        numbers = {i["code"]: i for i in row["indicators"]}
        indicators = {code: Indicator(code, title, level, numbers.get(code, {}).get("score"), numbers.get(code, {}).get("max"))
                      for code, title, level in nodes}
        judged = reviews.get(e.pk, {})
        for indicator_code, cp in points:
            review = judged.get(cp["code"])
            point = Point(cp["code"], cp.get("text") or "", indicator_code, selectors.number(point_max(cp, mode)))
            if review is not None:
                point.verdict, point.score, point.reason = review.verdict, selectors.number(review.score), review.reason
                point.deductions = [{"text": d.text, "count": d.count, "points": selectors.number(d.points)}
                                    for d in review.deductions.all()]
            indicators[indicator_code].points.append(point)
        units.append(UnitResult(
            enrollment_id=e.pk, unit_code=e.unit.code, unit_name=e.unit.name, kind=e.unit.kind.code,
            kind_name=e.unit.kind.name, framework_id=e.framework_id, reviewed=row["reviewed"], points=row["points"],
            total=row["total"], base=row["base"], bonus=row["bonus"], grade=row["grade"], vetoed=row["vetoed"],
            rank=row["rank"], indicators=list(indicators.values()), evaluators=sorted(evaluators.get(e.pk, ())),
            reviewed_on=last.get(e.pk), rectifications=rectified.get(e.pk, {}),
        ))
    return CampaignResults(campaign=campaign, published=published, ranking_published=bool(results and results.ranking_published),
                           published_at=results.published_at if results else None, units=units,
                           columns={pk: trees[pk][0] for pk in trees})
