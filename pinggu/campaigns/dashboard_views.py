"""The organizer's overview: every unit at a glance, the units x points matrix, charts."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require

from . import lookups, progress


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
    return render(request, "campaigns/dashboard.html", {
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
            body.append(f'<tr><th scope="row"><a href="{page}">{escape(row.unit_name)}</a>'
                        f'<small class="d-block text-muted">{row.state_label} {row.done}/{row.total}</small></th>{cells}</tr>')
        # Safe: every value above went through escape() (codes, texts, names, URLs); the rest are numbers and our labels.
        tables.append({"kind_name": m.kind_name, "units": len(m.units),
                       "html": mark_safe(f'<table class="matrix"><thead><tr><th>{escape(_("单位"))}</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')})
    return render(request, "campaigns/matrix.html", {
        "campaign": campaign, "tables": tables, "params": request.GET,
        "kinds": sorted({(r.kind, r.kind_name) for r in items}), "states": list(progress.FILTER_LABELS.items()),
    })


