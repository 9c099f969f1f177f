"""The organizer's overview: every unit at a glance, the units x points matrix, charts, deleted materials.

Above evidence (they count and list it), so not in campaigns; the routes keep their campaigns: names (pinggu/urls.py)."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require
from pinggu.accounts.models import Role, User
from pinggu.campaigns import lookups, services
from pinggu.campaigns.models import Campaign, CampaignState, Unit
from pinggu.evidence.models import Evidence
from pinggu.lib.dates import local_datetime

from . import progress


@require(permissions.can_list_campaigns)
def campaign_detail(request, pk):
    """The campaign's page: here, not in campaigns, because it lists every unit's progress."""
    campaign = lookups.campaign_or_404(request.user, pk)
    if permissions.is_submitter(request.user):
        return redirect("campaigns:notice", pk=pk)
    enrollments = progress.filter_and_sort(progress.rows(progress.visible_enrollments(request.user, campaign)))
    enrolled_ids = {e.enrollment.unit_id for e in enrollments}
    kinds_with_framework = set(campaign.framework_links.values_list("unit_kind_id", flat=True))
    candidates = Unit.objects.alive().select_related("kind").exclude(pk__in=enrolled_ids).filter(kind_id__in=kinds_with_framework)
    actions = services.campaign_actions(campaign)
    can_manage = permissions.can_manage_campaigns(request.user)
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "enrollments": enrollments, "candidates": candidates,
        "links": campaign.framework_links.select_related("unit_kind", "framework"),
        "can_manage": can_manage,
        "can_export": permissions.can_export(request.user),
        "transitions": [CampaignState(s) for s in services.TRANSITIONS[campaign.state]],
        "actions": actions, "row_actions": can_manage and (actions["reopen"]["allowed"] or actions["extend"]["allowed"]),
        "deadline_text": local_datetime(campaign.deadline), "opens_text": local_datetime(campaign.opens_at),
        "submitted": sum(1 for e in enrollments if e.state == "submitted"),
        "assignments": campaign.assignments.select_related("user", "unit"),
        "evaluators": User.objects.filter(role=Role.EVALUATOR, is_active=True),
    })


@require(permissions.can_view_progress)
def dashboard(request, pk):
    campaign = lookups.campaign_or_404(request.user, pk)
    items = progress.rows(progress.visible_enrollments(request.user, campaign))
    sort = request.GET.get("sort", "unit_name")
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    shown = progress.filter_and_sort(items, kind=request.GET.get("kind") or None, state=request.GET.get("state") or None,
                                     sort=sort, descending=descending)
    kinds = sorted({(r.kind, r.kind_name) for r in items})
    return render(request, "oversight/dashboard.html", {
        "campaign": campaign, "rows": shown, "totals": progress.totals(items), "by_kind": progress.by_kind(items),
        "kinds": kinds, "states": list(progress.FILTER_LABELS.items()), "sort": sort, "descending": descending,
        "params": request.GET, "can_remind": permissions.can_send_reminders(request.user),
        "can_export": permissions.can_export(request.user),
        "chart_data": {**progress.chart_data(items, campaign), "labels": {
            "kinds": _("各类单位报送情况"), "submitted": _("已报送（完整）"), "incomplete": _("已报送（不完整）"),
            "returned": _("已退回"), "notSubmitted": _("未报送"), "points": _("考核点完成率"), "days": _("累计报送单位（截止 %(d)s）"), "deadline": _("截止"),
            "empty": _("最常空缺的考核点"), "emptyCount": _("空缺"),
        }},
        "columns": [("unit_name", _("单位")), ("kind", _("类型")), ("state", _("状态")), ("done", _("已填报")),
                    ("not_applicable", _("不适用")), ("files", _("文件")), ("bytes", _("大小")),
                    ("last_activity", _("最近操作")), ("deadline", _("截止/延期"))],
    })


_CELL_CLASS = {"empty": "s-empty", "done": "s-done", "not_applicable": "s-na", "returned": "s-returned"}
_CELL_TEXT = {"empty": "", "done": "✓", "not_applicable": "—", "returned": "!"}


def _cell_labels():
    return {"empty": _("未填报"), "done": _("已填报"), "not_applicable": _("不适用"), "returned": _("已退回")}


@require(permissions.can_view_progress)
def matrix(request, pk):
    """Built as one string: 1,000 units x 36 points is 36,000 cells, too many for template loops."""
    campaign = lookups.campaign_or_404(request.user, pk)
    items = progress.filter_and_sort(progress.rows(progress.visible_enrollments(request.user, campaign)),
                                     kind=request.GET.get("kind") or None, state=request.GET.get("state") or None)
    tables = []
    for m in progress.matrices(items):
        head = "".join(
            f'<th scope="col" title="{escape(cp.text)}"><div>{escape(cp.code)}</div><small>{m.done[cp.pk]}/{len(m.units)}</small></th>'
            for cp in m.checkpoints
        )
        codes = [escape(cp.code) for cp in m.checkpoints]  # escaped once per column, not per cell
        body = []
        # A cell's link says what it opens to a screen reader ("榆阳区 C01 已填报"); the ✓ alone says nothing.
        said = {status: escape(label) for status, label in _cell_labels().items()}
        for row, statuses in m.units:
            page = escape(reverse("evidence:workspace", args=[campaign.pk, row.unit_code]))
            base = f"{page}#point-"
            name = escape(row.unit_name)
            cells = "".join([
                f'<td class="{_CELL_CLASS.get(s, "s-empty")}"><a href="{base}{code}" aria-label="{name} {code} {said.get(s, said["empty"])}">'
                f'{_CELL_TEXT.get(s, "")}</a></td>'
                for code, s in zip(codes, statuses)
            ])
            body.append(f'<tr><th scope="row"><a href="{page}">{name}</a>'
                        f'<small class="d-block text-muted">{escape(row.state_label)} {row.done}/{row.total}</small></th>{cells}</tr>')
        # Safe: every text above went through escape() (codes, texts, names, labels, URLs); the rest are numbers.
        tables.append({"kind_name": m.kind_name, "units": len(m.units),
                       "html": mark_safe(f'<table class="matrix"><thead><tr><th>{escape(_("单位"))}</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')})
    return render(request, "oversight/matrix.html", {
        "campaign": campaign, "tables": tables, "params": request.GET,
        "kinds": sorted({(r.kind, r.kind_name) for r in items}), "states": list(progress.FILTER_LABELS.items()),
    })


@require(permissions.can_view_deleted_evidence)
def deleted_evidence(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    items = (
        Evidence.objects.filter(response__enrollment__campaign=campaign, deleted_at__isnull=False)
        .select_related("response__enrollment__unit", "response__checkpoint", "deleted_by", "uploaded_by")
        .order_by("-deleted_at")
    )
    return render(request, "oversight/deleted.html", {"campaign": campaign, "items": items})

