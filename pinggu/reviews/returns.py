"""退回补充 in rounds (issue 10 §4): an evaluator or the organizer reopens chosen points of a submitted unit with a
reason and a due time. While the round is open the write window (campaigns.services.write_window) lets the unit
write to those points only, until the due time; its resubmission closes the round. Every round is kept."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.models import User
from pinggu.campaigns.models import Enrollment, EnrollmentState
from pinggu.campaigns.services import OpenRound, change_enrollment_state, iso_local
from pinggu.campaigns.tasks import send_notice
from pinggu.evidence.models import Response, ResponseStatus
from pinggu.evidence.services import change_response_status
from pinggu.frameworks.models import Checkpoint
from pinggu.textlimits import REASON

from .models import ReturnRound
from .services import ReviewError, results_locked


def return_points(enrollment: Enrollment, checkpoint_codes: Iterable[str], *, reason: str, due: datetime, user: User,
                  request: HttpRequest | None = None) -> ReturnRound:
    """Open round N+1: the unit goes back to 已退回, each chosen point to 已退回 with the reason; the unit is told.

    Refusals: 403 `forbidden`, 400 `reason_required`, `invalid_due`, `no_checkpoints`, 404 `not_found` (a code not
    in the unit's checklist), 409 `not_submitted`, `results_locked`.
    """
    if not permissions.can_review(user, enrollment):
        raise ReviewError(_("没有权限退回该单位的材料。"), code="forbidden", status=403)
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("请填写退回原因。"), code="reason_required")
    if len(reason) > REASON:
        raise ReviewError(_("退回原因不能超过 %(n)d 个字。") % {"n": REASON}, code="too_long")
    if due is None or timezone.is_naive(due) or due <= timezone.now():
        raise ReviewError(_("补充截止时间必须晚于现在。"), code="invalid_due")
    codes = list(dict.fromkeys(c for c in checkpoint_codes if c))
    if not codes:
        raise ReviewError(_("请至少选择一个要退回补充的考核点。"), code="no_checkpoints")
    with transaction.atomic():
        locked = (Enrollment.objects.select_for_update(of=("self",)).select_related("campaign", "unit", "framework")
                  .get(pk=enrollment.pk))
        if locked.state != EnrollmentState.SUBMITTED:
            raise ReviewError(_("该单位尚未报送，无需退回。"), code="not_submitted", status=409)
        if results_locked(locked.campaign):
            raise ReviewError(_("评估结果已锁定或已发布，不能再退回。"), code="results_locked", status=409)
        checkpoints = list(Checkpoint.objects.filter(framework_id=locked.framework_id, code__in=codes).order_by("position"))
        unknown = sorted(set(codes) - {cp.code for cp in checkpoints})
        if unknown:
            raise ReviewError(_("考核点“%(c)s”不在该单位的清单中。") % {"c": "、".join(unknown)}, code="not_found",
                              status=404, checkpoints=unknown)
        number = (locked.return_rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        round_ = ReturnRound.objects.create(enrollment=locked, number=number, reason=reason, due=due, created_by=user)
        round_.checkpoints.set(checkpoints)
        change_enrollment_state(locked, EnrollmentState.RETURNED, user=user, reason=reason, request=request,
                                round=number, checkpoints=[cp.code for cp in checkpoints], due=iso_local(due))
        for cp in checkpoints:
            response, _created = Response.objects.get_or_create(enrollment=locked, checkpoint=cp)
            change_response_status(response, ResponseStatus.RETURNED, user=user, reason=reason, request=request,
                                   round=number)
        record("return_round", actor=user, request=request, obj=round_, campaign=locked.campaign, unit=locked.unit,
               round=number, checkpoints=[cp.code for cp in checkpoints], due=iso_local(due), reason=reason)
        transaction.on_commit(lambda: send_notice.enqueue(locked.pk, "return"))
    enrollment.refresh_from_db()
    return round_


def open_round(enrollment: Enrollment) -> OpenRound | None:
    """The round the unit has not resubmitted yet (registered with campaigns.services in ReviewsConfig.ready)."""
    round_ = (ReturnRound.objects.filter(enrollment_id=enrollment.pk, resubmitted_at__isnull=True)
              .order_by("-number").first())
    if round_ is None:
        return None
    return OpenRound(number=round_.number, due=round_.due,
                     points=frozenset(round_.checkpoints.values_list("code", flat=True)))


def close_round_on_resubmit(sender: Any, *, enrollment: Enrollment, before: str, after: str, **kwargs: Any) -> None:
    """A resubmission (the existing submit) closes the open round."""
    if after == EnrollmentState.SUBMITTED and before == EnrollmentState.RETURNED:
        ReturnRound.objects.filter(enrollment_id=enrollment.pk, resubmitted_at__isnull=True).update(
            resubmitted_at=enrollment.submitted_at or timezone.now())


def rounds_of(enrollment: Enrollment) -> list[dict[str, Any]]:
    """Every round of the unit, oldest first: {round, checkpoints, reason, due, created_at, resubmitted_at}."""
    return [
        {"round": r.number, "checkpoints": [cp.code for cp in r.checkpoints.order_by("position")], "reason": r.reason,
         "due": r.due, "created_at": r.created_at, "resubmitted_at": r.resubmitted_at,
         "created_by": r.created_by.get_username() if r.created_by else None}
        for r in enrollment.return_rounds.select_related("created_by").order_by("number")
    ]


def new_since(enrollment: Enrollment) -> datetime | None:
    """Material uploaded after this moment is new to the evaluator (新): the start of the latest round."""
    return enrollment.return_rounds.order_by("-number").values_list("created_at", flat=True).first()
