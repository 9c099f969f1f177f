"""The export pages; the downloads themselves are built by exports.downloads, for the web and /api/v1 alike."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require
from pinggu.oversight import progress

from . import prebuilt
from .bundle import Plan
from .downloads import bundle_response, campaign_or_404, notice_response, progress_response


def _units_param(request):
    raw = request.GET.get("units") or ""
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    return codes or request.GET.getlist("unit") or None


@require(permissions.can_export)
def progress_export(request, pk):
    return progress_response(request, campaign_or_404(request, pk))


@require(permissions.can_export)
def notice_export(request, pk):
    return notice_response(request, campaign_or_404(request, pk))


@require(permissions.can_export)
def bundle_export(request, pk):
    return bundle_response(request, campaign_or_404(request, pk), _units_param(request))


@require(permissions.can_export)
def bundle_page(request, pk):
    campaign = campaign_or_404(request, pk)
    enrollments = progress.visible_enrollments(request.user, campaign)
    plan = Plan(campaign, enrollments)
    signature = plan.signature()
    bundle = prebuilt.current(campaign, signature)
    files, _notes, _manifest = plan.entries()
    return render(request, "exports/bundle.html", {
        "campaign": campaign, "bundle": bundle, "files": len(files), "bytes": sum(item.size for _, item in files),
        "rows": progress.filter_and_sort(progress.rows(enrollments)), "can_build": permissions.can_build_bundles(request.user),
    })


@require_POST
@require(permissions.can_build_bundles)
def bundle_build(request, pk):
    campaign = campaign_or_404(request, pk)
    plan = Plan(campaign, campaign.enrollments.all())
    prebuilt.request_build(campaign, plan.signature())
    record("bundle_build", request=request, campaign=campaign)
    messages.success(request, _("已开始在后台生成材料包，完成后即可断点续传下载。"))
    return redirect("exports:bundle_page", pk=pk)
