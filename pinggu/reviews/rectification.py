"""整改 (issue 10 §5): for each point that lost score the unit records its measures and marks it done; the
organizer sees the rates and can remind (through the existing 催报 mechanism)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.models import User
from pinggu.campaigns.models import Campaign, Enrollment
from pinggu.campaigns.visibility import enrollments_visible_to
from pinggu.evidence.services import clean_url

from . import scoring
from .models import Rectification, RectificationNotice
from .selectors import counting_reviews
from .services import ReviewError, results_published


def lost_points(enrollments: list[Enrollment]) -> dict[int, list[str]]:
    """{enrollment id: codes of the points that lost score} (the counting review below the maximum)."""
    out: dict[int, list[str]] = {e.pk: [] for e in enrollments}
    modes = {e.pk: e.framework.scoring_mode for e in enrollments}
    for pk, reviews in counting_reviews(enrollments).items():
        for code, review in reviews.items():
            if review.score is None:
                continue
            maximum = scoring.point_max({"points": review.checkpoint.points}, modes[pk])
            if review.score < maximum:
                out[pk].append(code)
    return out


@transaction.atomic
def record_rectification(enrollment: Enrollment, checkpoint_code: str, *, user: User, measures: str, done: bool,
                         url: str = "", request: HttpRequest | None = None) -> Rectification:
    """The unit's measures for one point that lost score (after publication). Refusals: 403, 409 `not_published`,
    400 `no_loss` (the point lost nothing), 400 `measures_required` (done without measures)."""
    if not (permissions.is_organizer(user) or (permissions.is_submitter(user) and user.unit_id == enrollment.unit_id)):
        raise ReviewError(_("只有本单位可以填写整改情况。"), code="forbidden", status=403)
    if not results_published(enrollment.campaign):
        raise ReviewError(_("评估结果尚未发布。"), code="not_published", status=409)
    if checkpoint_code not in lost_points([enrollment])[enrollment.pk]:
        raise ReviewError(_("考核点“%(c)s”没有失分，无需整改。") % {"c": checkpoint_code}, code="no_loss")
    measures = (measures or "").strip()
    if done and not measures:
        raise ReviewError(_("标记整改完成前请填写整改措施。"), code="measures_required")
    checkpoint = enrollment.framework.checkpoints.get(code=checkpoint_code)
    row, created = Rectification.objects.select_for_update().get_or_create(enrollment=enrollment, checkpoint=checkpoint)
    now = timezone.now()
    url = clean_url(url, max_length=1000) if (url or "").strip() else row.url
    row.measures, row.url, row.updated_at, row.updated_by = measures[:2000], url, now, user
    if done and not row.done:
        row.done_at = now
    if not done:
        row.done_at = None
    row.done = done
    row.save()
    record("rectification", actor=user, request=request, obj=row, campaign=enrollment.campaign, unit=enrollment.unit,
           checkpoint=checkpoint.code, done=done, measures=row.measures)
    return row


def _rate(done: int, lost: int) -> float | None:
    return None if lost == 0 else round(done / lost, 4)


def rectification_rates(campaign: Campaign, user: AbstractBaseUser | None = None) -> dict[str, Any]:
    """`GET …/rectification`: per unit the points that lost score, how many are rectified, and the rate; overall."""
    qs = campaign.enrollments.select_related("unit", "framework")
    if user is not None:
        qs = enrollments_visible_to(user, qs)
    enrollments = list(qs)
    lost = lost_points(enrollments)
    done_codes: dict[int, set[str]] = {e.pk: set() for e in enrollments}
    for enrollment_id, code in Rectification.objects.filter(enrollment__in=enrollments, done=True).values_list(
            "enrollment_id", "checkpoint__code"):
        done_codes[enrollment_id].add(code)
    units = []
    total_lost = total_done = 0
    for e in enrollments:
        n_lost = len(lost[e.pk])
        n_done = len(done_codes[e.pk] & set(lost[e.pk]))
        total_lost, total_done = total_lost + n_lost, total_done + n_done
        units.append({"unit_code": e.unit.code, "unit_name": e.unit.name, "lost": n_lost, "done": n_done,
                      "rate": _rate(n_done, n_lost), "pending": sorted(set(lost[e.pk]) - done_codes[e.pk])})
    return {"units": units, "lost": total_lost, "done": total_done, "rate": _rate(total_done, total_lost)}


@transaction.atomic
def remind_rectification(campaign: Campaign, *, user: User, message: str = "",
                         request: HttpRequest | None = None) -> list[RectificationNotice]:
    """An in-app notice to every unit with rectifications still open, shown on its results page. (The 催报
    mechanism lives in oversight, a layer reviews may not import.)"""
    if not permissions.can_send_reminders(user):
        raise ReviewError(_("没有权限发送提醒。"), code="forbidden", status=403)
    rows = rectification_rates(campaign)["units"]
    codes = [row["unit_code"] for row in rows if row["pending"]]
    if not codes:
        raise ReviewError(_("所有失分考核点都已整改完成，无需提醒。"), code="no_units")
    text = (message or "").strip()[:2000] or _("请尽快完成评估失分考核点的整改，并在系统中填写整改措施。")
    notices = RectificationNotice.objects.bulk_create(
        RectificationNotice(enrollment=e, message=text, created_by=user)
        for e in campaign.enrollments.filter(unit__code__in=codes))
    record("rectification_remind", actor=user, request=request, campaign=campaign, units=len(notices), message=text)
    return notices
