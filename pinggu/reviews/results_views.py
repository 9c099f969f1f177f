"""Web pages of issue 10 §5: the organizer's results (scores matrix, chart, lock and publish), a unit's results
after publication with its objections and rectification, and the rectification overview."""

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require
from pinggu.campaigns import lookups
from pinggu.campaigns.visibility import enrollments_visible_to
from pinggu.errors import DomainError
from pinggu.units.models import UnitKind

from . import comparison, objections, rectification, selectors, services
from .models import Objection, ObjectionState, Rectification, RectificationNotice, Results


@contextmanager
def _shown(request: HttpRequest) -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        messages.error(request, exc.message)


def _levels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per unit kind: its columns (一级 and 二级 indicators, in the framework's order) and its rows."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(row)
    names = dict(UnitKind.objects.filter(code__in=by_kind).values_list("code", "name"))
    out = []
    for kind, members in by_kind.items():
        # Units not fully reviewed have no indicator scores yet: the columns come from one that has.
        scored = next((r for r in members if r["indicators"]), members[0])
        columns = [i["code"] for i in scored["indicators"] if i["level"] in (1, 2)]
        for row in members:
            scores = {i["code"]: i["score"] for i in row["indicators"]}
            deltas = (row.get("change") or {}).get("indicators", {})
            row["cells"] = [{"score": scores.get(code), "change": deltas.get(code)} for code in columns]
        members.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0))
        out.append({"kind": kind, "name": names.get(kind, kind), "columns": columns, "rows": members})
    return out


@require(permissions.can_view_progress)
def results_page(request, pk):
    campaign = lookups.campaign_or_404(request.user, pk)
    rows = selectors.unit_scores(campaign, request.user)["units"]
    changes = comparison.changes(campaign, rows)
    for row in rows:
        row["change"] = changes.get(row["unit_code"])  # before _levels, which shows it per indicator
    grades = Counter(row["grade"] for row in rows if row["grade"])
    bins = Counter(min(int(row["total"] // 10), 9) for row in rows if row["total"] is not None)
    visible = enrollments_visible_to(request.user, campaign.enrollments.all())
    pending = Objection.objects.filter(enrollment__in=visible).select_related("enrollment__unit", "checkpoint")
    return render(request, "reviews/results_campaign.html", {
        "campaign": campaign, "kinds": _levels(rows), "results": Results.objects.filter(campaign=campaign).first(),
        "locked": services.results_locked(campaign), "published": services.results_published(campaign),
        "unreviewed": [r["unit_name"] for r in rows if r["total"] is None],
        "can_publish": permissions.can_publish(request.user, campaign),
        "objections": pending, "can_answer": {o.pk for o in pending if objections.can_answer(request.user, o)},
        "source": campaign.copied_from,
        "chart_data": {
            "grades": [{"name": name, "value": n} for name, n in grades.items()],
            "bins": [f"{i * 10}–{i * 10 + 10}" for i in range(10)], "counts": [bins.get(i, 0) for i in range(10)],
            "labels": {"grades": _("等次分布"), "bins": _("总分分布"), "units": _("单位数")},
        },
    })


@require_POST
@require(permissions.can_manage_campaigns)
def results_action(request, pk, action):
    campaign = lookups.campaign_or_404(request.user, pk)
    with _shown(request):
        if action == "lock":
            services.lock_results(campaign, user=request.user, request=request)
            messages.success(request, _("评估结果已锁定。"))
        elif action == "unlock":
            services.unlock_results(campaign, user=request.user, request=request)
            messages.success(request, _("已解除锁定。"))
        elif action == "publish":
            services.publish_results(campaign, user=request.user, publish_ranking=bool(request.POST.get("publish_ranking")),
                                     force=bool(request.POST.get("force")), request=request)
            messages.success(request, _("评估结果已发布。"))
        else:
            raise Http404
    return redirect("results:campaign", pk=pk)


def _enrollment(request, pk, unit):
    enrollment = lookups.find_enrollment(request.user, pk, unit)
    if enrollment is None:
        raise Http404
    return enrollment


@require(permissions.can_list_campaigns)
def unit_results(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    campaign = enrollment.campaign
    published = services.results_published(campaign)
    context = {"campaign": campaign, "enrollment": enrollment, "published": published}
    if not permissions.can_view_results(request.user, enrollment, published=published):
        if permissions.is_submitter(request.user):
            return render(request, "reviews/results_unit.html", {**context, "result": None})
        raise Http404
    is_unit = permissions.is_submitter(request.user)
    result = selectors.unit_result(enrollment, for_unit=is_unit)
    change = comparison.changes(campaign, [{"unit_code": enrollment.unit.code, **result}]).get(enrollment.unit.code, {})
    for indicator in result["indicators"]:
        indicator["change"] = change.get("indicators", {}).get(indicator["code"])
    texts = dict(enrollment.framework.checkpoints.values_list("code", "text"))
    lost = set(rectification.lost_points([enrollment])[enrollment.pk])
    rects = {r.checkpoint.code: r for r in Rectification.objects.filter(enrollment=enrollment).select_related("checkpoint")}
    objs = defaultdict(list)
    for o in Objection.objects.filter(enrollment=enrollment).select_related("checkpoint"):
        objs[o.checkpoint.code].append(o)
    for cp in result["checkpoints"]:
        cp["text"] = texts.get(cp["code"], "")
        cp["lost"] = cp["code"] in lost
        cp["rectification"] = rects.get(cp["code"])
        cp["objections"] = objs.get(cp["code"], [])
        cp["pending"] = any(o.state == ObjectionState.PENDING for o in cp["objections"])
    return render(request, "reviews/results_unit.html", {
        **context, "result": result, "is_unit": is_unit, "unit_may_write": is_unit and published,
        "window_open": objections.window_open(campaign), "window_closes": objections.window_closes(campaign),
        "notices": RectificationNotice.objects.filter(enrollment=enrollment)[:3],
        "can_answer": published and objections.can_answer(request.user, Objection(enrollment=enrollment)),
    })


@require_POST
@require(permissions.is_submitter)
def object_to(request, pk, unit, code):
    enrollment = _enrollment(request, pk, unit)
    with _shown(request):
        objections.raise_objection(enrollment, code, user=request.user, reason=request.POST.get("reason", ""),
                                   url=request.POST.get("url", ""), request=request)
        messages.success(request, _("异议已提交，等待评估人员答复。"))
    return redirect("results:unit", pk=pk, unit=unit)


@require_POST
@require(permissions.is_submitter)
def rectify(request, pk, unit, code):
    enrollment = _enrollment(request, pk, unit)
    with _shown(request):
        rectification.record_rectification(enrollment, code, user=request.user, measures=request.POST.get("measures", ""),
                                           done=bool(request.POST.get("done")), url=request.POST.get("url", ""),
                                           request=request)
        messages.success(request, _("整改情况已保存。"))
    return redirect("results:unit", pk=pk, unit=unit)


@require_POST
@require(permissions.can_export)  # the organizer and evaluators; which evaluator, objections.can_answer decides
def answer(request, pk, objection):
    campaign = lookups.campaign_or_404(request.user, pk)
    found = get_object_or_404(Objection.objects.select_related("enrollment"), pk=objection, enrollment__campaign=campaign)
    if not permissions.can_view_enrollment(request.user, found.enrollment):
        raise Http404
    with _shown(request):
        objections.answer_objection(found, user=request.user, decision=request.POST.get("decision", ""),
                                    reply=request.POST.get("reply", ""), score=request.POST.get("score") or None,
                                    request=request)
        messages.success(request, _("已答复异议。"))
    return redirect("results:campaign", pk=pk)


@require(permissions.can_view_progress)
def rectification_page(request, pk):
    campaign = lookups.campaign_or_404(request.user, pk)
    return render(request, "reviews/results_rectification.html", {
        "campaign": campaign, "rates": rectification.rectification_rates(campaign, request.user),
        "can_remind": permissions.can_send_reminders(request.user)})


@require_POST
@require(permissions.can_send_reminders)
def rectification_remind(request, pk):
    campaign = lookups.campaign_or_404(request.user, pk)
    with _shown(request):
        sent = rectification.remind_rectification(campaign, user=request.user, message=request.POST.get("message", ""),
                                                  request=request)
        messages.success(request, _("已提醒 %(n)d 个单位整改。") % {"n": len(sent)})
    return redirect("results:rectification", pk=pk)
