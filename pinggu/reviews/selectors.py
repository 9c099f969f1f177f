"""Reading scores and results in the shapes of the API (§7 of issue 10): a fixed number of queries per campaign
(one per framework for its tree, one for all reviews, one for all deductions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, IntegerField, Prefetch, Value, When

from pinggu.campaigns.models import Campaign, CampaignState, Enrollment
from pinggu.campaigns.visibility import campaigns_visible_to, enrollments_visible_to
from pinggu.frameworks.services import to_dict

from . import scoring
from .models import Deduction, Results, Review


def number(value: Decimal | None) -> float | None:
    """A total for JSON: a number with (at most) 2 decimals, rounded half-up."""
    shown = scoring.rounded(value)
    return None if shown is None else float(shown)


def counting_reviews(enrollments: list[Enrollment], *, with_deductions: bool = False) -> dict[int, dict[str, Review]]:
    """{enrollment id: {checkpoint code: the review that counts}}: the 复核 where there is one, else the first."""
    qs = Review.objects.filter(enrollment__in=enrollments).select_related("checkpoint").order_by("stage")
    if with_deductions:
        qs = qs.prefetch_related(Prefetch("deductions", queryset=Deduction.objects.order_by("position")))
    out: dict[int, dict[str, Review]] = defaultdict(dict)
    for review in qs:  # "first" < "second": the 复核 overwrites
        out[review.enrollment_id][review.checkpoint.code] = review
    return out


def _counting_judgements(enrollments: list[Enrollment]) -> dict[int, dict[str, scoring.PointResult]]:
    """What the arithmetic needs of `counting_reviews`, as plain rows: building a Review and its Checkpoint for
    each of 36,000 points was two thirds of the time of a 1,000-unit campaign (bench/scores.py)."""
    out: dict[int, dict[str, scoring.PointResult]] = defaultdict(dict)
    rows = Review.objects.filter(enrollment__in=enrollments).order_by("stage").values_list(
        "enrollment_id", "checkpoint__code", "verdict", "score")
    for enrollment_id, code, verdict, score in rows:  # "first" < "second": the 复核 overwrites
        out[enrollment_id][code] = scoring.PointResult(verdict, score)
    return out


def _campaign_scores(campaign: Campaign) -> tuple[list[Enrollment], dict[int, scoring.UnitScore], dict[Hashable, int | None],
                                                  dict[int, dict[str, Any]]]:
    enrollments = list(campaign.enrollments.select_related("unit__kind", "framework__unit_kind"))
    frameworks = {e.framework_id: e.framework for e in enrollments}
    data = {pk: to_dict(fw) for pk, fw in frameworks.items()}
    scores = {e.pk: scoring.score_unit(data[e.framework_id], judged.get(e.pk, {}))
              for judged in [_counting_judgements(enrollments)] for e in enrollments}
    ranks = scoring.rank(scoring.Rankable(e.pk, e.unit.kind_id, scores[e.pk].total, scores[e.pk].vetoed) for e in enrollments)
    return enrollments, scores, ranks, data


def _indicators(score: scoring.UnitScore) -> list[dict[str, Any]]:
    return [{"code": i.code, "level": i.level, "score": number(i.score), "max": number(i.max)} for i in score.indicators]


def unit_scores(campaign: Campaign, user: AbstractBaseUser | None = None) -> dict[str, Any]:
    """`GET …/scores`: every unit (organizer, viewers) or the units assigned to `user`; ranks are over all units."""
    enrollments, scores, ranks, _data = _campaign_scores(campaign)
    if user is not None:
        visible = set(enrollments_visible_to(user, campaign.enrollments.all()).values_list("pk", flat=True))
        enrollments = [e for e in enrollments if e.pk in visible]
    units = []
    for e in enrollments:
        s = scores[e.pk]
        units.append({
            "unit_code": e.unit.code, "unit_name": e.unit.name, "kind": e.unit.kind.code,
            "reviewed": s.reviewed, "points": s.points, "total": number(s.total), "base": number(s.base),
            "bonus": number(s.bonus), "grade": s.grade, "vetoed": s.vetoed, "rank": ranks[e.pk],
            "indicators": _indicators(s),
        })
    return {"units": units}


def review_queue(campaign: Campaign, user: AbstractBaseUser) -> dict[str, Any]:
    """`GET …/reviews`: the submitted units the caller reviews (the organizer: all), with progress."""
    from pinggu.campaigns.models import EnrollmentState

    scored = {row["unit_code"]: row for row in unit_scores(campaign, user)["units"]}
    visible = enrollments_visible_to(user, campaign.enrollments.filter(state=EnrollmentState.SUBMITTED))
    units = []
    for e in visible.select_related("unit__kind"):
        row = scored[e.unit.code]
        units.append({"unit_code": e.unit.code, "unit_name": e.unit.name, "kind": e.unit.kind.code,
                      "submitted_at": e.submitted_at, "reviewed": row["reviewed"], "points": row["points"],
                      "total": row["total"]})
    return {"units": units}


def unit_result(enrollment: Enrollment, *, for_unit: bool = False) -> dict[str, Any]:
    """`GET …/units/{code}/results`: total, grade, rank and every point's verdict, score, deductions and reason.
    Private comments are never part of it. For the unit itself (`for_unit`) the rank shows only when the
    ranking is published."""
    campaign = enrollment.campaign
    enrollments, scores, ranks, data = _campaign_scores(campaign)
    s = scores[enrollment.pk]
    rank = ranks[enrollment.pk]
    if for_unit:
        results = Results.objects.filter(campaign=campaign).first()
        if not (campaign.state == CampaignState.PUBLISHED and results and results.ranking_published):
            rank = None
    reviews = counting_reviews([enrollment], with_deductions=True).get(enrollment.pk, {})
    mode = str(data[enrollment.framework_id].get("scoring_mode") or "none")
    checkpoints = []
    for cp in enrollment.framework.checkpoints.order_by("position"):
        review = reviews.get(cp.code)
        checkpoints.append({
            "code": cp.code,
            "verdict": review.verdict if review else None,
            "score": number(review.score) if review else None,
            "max": number(scoring.point_max({"points": cp.points}, mode)),
            "deductions": [{"rule": d.rule, "text": d.text, "count": d.count, "points": number(d.points)}
                           for d in review.deductions.all()] if review else [],
            "reason": review.reason if review else "",
            "stage": review.stage if review else None,
        })
    return {"total": number(s.total), "base": number(s.base), "bonus": number(s.bonus), "grade": s.grade,
            "vetoed": s.vetoed, "rank": rank, "reviewed": s.reviewed, "points": s.points,
            "indicators": _indicators(s), "checkpoints": checkpoints}


def stages_of(enrollment: Enrollment) -> dict[str, dict[str, Review]]:
    """Both reviews of every point, for the evaluators' screen (the first and the 复核 are kept and shown)."""
    out: dict[str, dict[str, Review]] = defaultdict(dict)
    for review in Review.objects.filter(enrollment=enrollment).select_related("checkpoint", "evaluator"):
        out[review.checkpoint.code][review.stage] = review
    return out


# Where an evaluator's work is: under review first, then closed (about to be reviewed), then still collecting;
# a published campaign (objections aside) last. Among equals the newest.
_WORK_ORDER = [CampaignState.REVIEWING, CampaignState.CLOSED, CampaignState.OPEN, CampaignState.PUBLISHED]


def current_review_campaign(user: AbstractBaseUser) -> Campaign | None:
    """The campaign the navbar's 评估队列 opens for this user."""
    order = Case(*(When(state=state, then=Value(i)) for i, state in enumerate(_WORK_ORDER)),
                 default=Value(len(_WORK_ORDER)), output_field=IntegerField())
    return (campaigns_visible_to(user).exclude(state=CampaignState.DRAFT)
            .order_by(order, "-pk").first())
