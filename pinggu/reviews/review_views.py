"""The evaluator's web pages (issue 10 §1, §2, §4): the queue, the review screen of one unit (one point at a time,
saved as the evaluator types) and its 退回补充 action. Thin: every rule is in services, selectors and returns."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require
from pinggu.campaigns import lookups
from pinggu.campaigns.models import EnrollmentState, EvaluatorAssignment
from pinggu.errors import DomainError
from pinggu.evidence import filetypes
from pinggu.evidence.services import checklist
from pinggu.frameworks.tree import PointNode
from pinggu.units.models import UnitKind

from . import returns, selectors, services
from .models import ReasonPhrase, Stage, Verdict
from .scoring import point_max

VERDICT_KEYS = [("1", Verdict.PASS), ("2", Verdict.PARTIAL), ("3", Verdict.FAIL), ("4", Verdict.NOT_APPLICABLE)]


def _campaign(request, pk):
    campaign = lookups.find_campaign(request.user, pk)
    if campaign is None:
        raise Http404
    return campaign


@require(permissions.can_use_review_queue)
def mine(request):
    """The navbar's 评估队列: the queue of the campaign where the user's review work is."""
    campaign = selectors.current_review_campaign(request.user)
    if campaign is None:
        return render(request, "reviews/queue.html", {"campaign": None, "units": []})
    return redirect("reviews:queue", campaign.pk)


@require(permissions.can_use_review_queue)
def queue(request, pk):
    campaign = _campaign(request, pk)
    units = selectors.review_queue(campaign, request.user)["units"]
    names = dict(UnitKind.objects.filter(code__in={row["kind"] for row in units}).values_list("code", "name"))
    for row in units:
        row["kind_name"] = names.get(row["kind"], row["kind"])
    kinds = sorted({(row["kind"], row["kind_name"]) for row in units})
    kind, status, q = request.GET.get("kind", ""), request.GET.get("status", ""), request.GET.get("q", "").strip()
    if kind:
        units = [row for row in units if row["kind"] == kind]
    if status == "todo":
        units = [row for row in units if row["reviewed"] < row["points"]]
    elif status == "done":
        units = [row for row in units if row["reviewed"] >= row["points"]]
    if q:
        units = [row for row in units if q in row["unit_name"] or q in row["unit_code"]]
    units.sort(key=lambda row: (row["reviewed"] >= row["points"], row["submitted_at"] or timezone.now()))
    return render(request, "reviews/queue.html", {"campaign": campaign, "units": units, "kinds": kinds,
                                                  "kind": kind, "status": status, "q": q})


def _enrollment(request, pk, unit):
    enrollment = lookups.enrollment_or_404(request.user, pk, unit)
    if not permissions.can_review(request.user, enrollment):
        raise Http404
    return enrollment


def _stage(user, enrollment):
    """复核 for an evaluator assigned as second evaluator (and not as first) of the unit; else the first review."""
    if permissions.is_organizer(user):
        return Stage.FIRST
    roles = set(EvaluatorAssignment.objects.filter(user=user, campaign_id=enrollment.campaign_id)
                .filter(unit__isnull=True).values_list("role", flat=True))
    roles |= set(EvaluatorAssignment.objects.filter(user=user, campaign_id=enrollment.campaign_id, unit_id=enrollment.unit_id)
                 .values_list("role", flat=True))
    return Stage.SECOND if Stage.SECOND in roles and Stage.FIRST not in roles else Stage.FIRST


def _screen(request, enrollment, code, *, form=None, error=None):
    listed = checklist(enrollment)
    points = listed.tree.points()
    if not points:
        raise Http404
    current = next((p for p in points if p.code == code), points[0])
    index = points.index(current)
    stage = _stage(request.user, enrollment)
    stages = selectors.stages_of(enrollment)
    mode = enrollment.framework.scoring_mode
    review = stages.get(current.code, {}).get(stage)
    first = stages.get(current.code, {}).get(Stage.FIRST) if stage == Stage.SECOND else None
    shown = review or first
    counts = {d.rule: d.count for d in shown.deductions.all() if d.rule is not None} if shown else {}
    free = next((d for d in shown.deductions.all() if d.rule is None), None) if shown else None
    since = returns.new_since(enrollment)
    entry = listed.points[current.code]
    steps = []
    for step in listed.tree.walk():
        node = step.node
        if isinstance(node, PointNode):
            done = stage in stages.get(node.code, {})
            steps.append({"point": node, "depth": step.depth, "done": done, "current": node is current,
                          "status": listed.points[node.code].status})
        else:
            steps.append({"indicator": node, "depth": step.depth})
    rounds = returns.rounds_of(enrollment)
    locked = services.results_locked(enrollment.campaign)
    context = {
        "enrollment": enrollment, "campaign": enrollment.campaign, "unit": enrollment.unit, "steps": steps,
        "point": current, "entry": entry, "stage": stage, "review": review, "first": first, "shown": shown,
        "counts": counts, "free": free, "max": point_max({"points": current.points}, mode), "mode": mode,
        "rules": [{"rule": r, "count": counts.get(r.index, 0)} for r in current.rules],
        "previous": points[index - 1] if index > 0 else None, "next": points[index + 1] if index + 1 < len(points) else None,
        "position": index + 1, "total": len(points), "reviewed": sum(1 for s in steps if s.get("done")),
        "verdicts": [(key, Verdict(value)) for key, value in VERDICT_KEYS],
        "phrases": ReasonPhrase.objects.filter(user=request.user)[:50],
        "since": since, "rounds": rounds, "open_round": rounds[-1] if rounds and not rounds[-1]["resubmitted_at"] else None,
        "can_save": enrollment.state == EnrollmentState.SUBMITTED and not locked, "locked": locked,
        "previewable": filetypes.PREVIEWABLE, "form": form, "error": error, "all_points": points,
        "default_due": timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT17:00"),
    }
    return render(request, "reviews/review.html", context)


@require(permissions.can_use_review_queue)
def review(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    return _screen(request, enrollment, request.GET.get("point", ""))


def _decimal(value, label):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        raise services.ReviewError(_("%(f)s 须为数字。") % {"f": label}, code="invalid_number") from None


def _deductions(post, point):
    out = []
    for rule in point.rules:
        count = (post.get(f"rule-{rule.index}") or "").strip()
        if count and count != "0":
            if not count.isdigit():
                raise services.ReviewError(_("扣分次数须为整数。"), code="invalid_deduction")
            out.append({"rule": rule.index, "count": int(count)})
    text, points = (post.get("free_text") or "").strip(), _decimal(post.get("free_points"), _("扣分"))
    if text or points is not None:
        out.append({"text": text, "points": points, "count": 1})
    return out


@require_POST
@require(permissions.can_use_review_queue)
def save(request, pk, unit, code):
    """The autosave of one point's form: answers the save state (saved, or the refusal in words), never a page."""
    enrollment = _enrollment(request, pk, unit)
    point = checklist(enrollment).tree.point(code)
    if point is None:
        raise Http404
    try:
        if not request.POST.get("verdict"):
            raise services.ReviewError(_("请选择结论（按 1–4）。"), code="verdict_required")
        saved = services.record_review(
            enrollment, code, evaluator=request.user, verdict=request.POST["verdict"],
            score=_decimal(request.POST.get("score"), _("得分")), deductions=_deductions(request.POST, point),
            reason=request.POST.get("reason", ""), comment=request.POST.get("comment", ""),
            stage=_stage(request.user, enrollment), request=request,
        )
    except DomainError as exc:
        return render(request, "reviews/_save_state.html", {"error": exc.message}, status=200)
    return render(request, "reviews/_save_state.html", {"saved": saved, "score": selectors.number(saved.score)})


@require_POST
@require(permissions.can_use_review_queue)
def save_phrase(request):
    try:
        services.save_phrase(request.user, request.POST.get("text") or request.POST.get("reason", ""))
    except DomainError as exc:
        return render(request, "reviews/_save_state.html", {"error": exc.message})
    return render(request, "reviews/_save_state.html", {"phrase_saved": True})


@require_POST
@require(permissions.can_use_review_queue)
def return_points(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    codes = request.POST.getlist("checkpoints")
    due_text = request.POST.get("due", "")
    due = parse_datetime(due_text) if due_text else None
    if due is not None and timezone.is_naive(due):
        due = timezone.make_aware(due)
    back = reverse("reviews:review", args=[pk, unit]) + (f"?point={codes[0]}" if codes else "")
    try:
        if due is None:
            raise services.ReviewError(_("请填写补充截止时间。"), code="invalid_due")
        round_ = returns.return_points(enrollment, codes, reason=request.POST.get("reason", ""), due=due,
                                       user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("已退回第%(n)d轮补充：%(c)s。") % {"n": round_.number, "c": "、".join(codes)})
    return redirect(back)
