import base64
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts import services as account_services
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require
from pinggu.accounts.models import User
from pinggu.errors import DomainError, wants_json
from pinggu.frameworks import exports
from pinggu.frameworks import services as framework_services
from pinggu.lib.address import login_url
from pinggu.lib.dates import local_datetime

from . import lookups, notice, services, visibility
from .forms import CampaignForm, ExtensionForm, ReasonForm
from .models import Campaign, Unit


@contextmanager
def refusal_shown(request):
    """A refused action (DomainError) shows its message on the page the view then redirects to; a script
    gets the refusal's JSON from errors.DomainErrorMiddleware."""
    try:
        yield
    except DomainError as exc:
        if wants_json(request):
            raise
        messages.error(request, exc.message)


@require(permissions.can_list_campaigns)
def campaign_list(request):
    campaigns = visibility.campaigns_visible_to(request.user).annotate(n_units=Count("enrollments"))
    mine = None
    if permissions.is_submitter(request.user):
        mine = {e.campaign_id: e for e in visibility.enrollments_visible_to(request.user).select_related("unit", "returned_by")}
        if len(mine) == 1 and not request.GET.get("all"):
            enrollment = next(iter(mine.values()))
            return redirect("evidence:workspace", pk=enrollment.campaign_id, unit=enrollment.unit.code)
    if mine is not None:
        campaigns = list(campaigns)
        for campaign in campaigns:
            campaign.my_enrollment = mine.get(campaign.pk)
    return render(request, "campaigns/list.html", {
        "campaigns": campaigns, "mine": mine, "can_manage": permissions.can_manage_campaigns(request.user),
    })


def _save(request, campaign=None):
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            if campaign is None:
                campaign = services.create_campaign(**form.campaign_fields(), frameworks=form.frameworks(),
                                                    user=request.user, request=request)
                messages.success(request, _("已创建评估任务。下一步：报名参评单位。"))
            else:
                campaign.refresh_from_db()
                services.update_campaign(campaign, **form.campaign_fields(), frameworks=form.frameworks(),
                                         user=request.user, request=request)
                messages.success(request, _("已保存。"))
            return redirect("campaigns:detail", pk=campaign.pk)
        except DomainError as exc:
            lookups.form_errors(form, exc)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@require(permissions.can_manage_campaigns)
def campaign_create(request):
    return _save(request)


@require(permissions.can_manage_campaigns)
def campaign_edit(request, pk):
    return _save(request, get_object_or_404(Campaign, pk=pk))


@require_POST
@require(permissions.can_manage_campaigns)
def evaluators(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    if request.POST.get("remove"):
        assignment = get_object_or_404(campaign.assignments, pk=request.POST["remove"])
        services.unassign_evaluator(assignment, user=request.user, request=request)
        messages.success(request, _("已取消指派。"))
        return redirect("campaigns:detail", pk=pk)
    evaluator = get_object_or_404(User, username=request.POST.get("evaluator", ""))
    unit = Unit.objects.filter(code=request.POST.get("unit")).first() if request.POST.get("unit") else None
    with refusal_shown(request):
        services.assign_evaluator(campaign, evaluator, unit, user=request.user, request=request)
        messages.success(request, _("已指派 %(u)s。") % {"u": evaluator})
    return redirect("campaigns:detail", pk=pk)


@require_POST
@require(permissions.can_manage_campaigns)
def campaign_enroll(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    with refusal_shown(request):
        new = services.enroll_codes(campaign, request.POST.getlist("units"), user=request.user, request=request)
        messages.success(request, _("已报名 %(n)d 个单位。") % {"n": len(new)})
    return redirect("campaigns:detail", pk=pk)


@require_POST
@require(permissions.can_manage_campaigns)
def campaign_state(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    with refusal_shown(request):
        services.change_state(campaign, request.POST.get("state", ""), user=request.user, request=request)
        messages.success(request, _("任务状态已改为“%(s)s”。") % {"s": campaign.get_state_display()})
    return redirect("campaigns:detail", pk=pk)


@require_POST
@require(permissions.can_manage_campaigns)
def create_accounts(request, pk):
    """One submitter account per enrolled unit that has none; passwords shown once."""
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        rows = services.create_accounts(campaign, by=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:detail", pk=pk)
    workbook = base64.b64encode(account_services.credentials_xlsx(rows, login_url(request))).decode() if rows else ""
    return render(request, "campaigns/accounts_created.html", {"campaign": campaign, "rows": rows, "workbook": workbook,
                                                               "login_url": login_url(request)})


@require_POST
@require(permissions.can_manage_campaigns)
def reopen(request, pk, unit):
    enrollment = lookups.enrollment_or_404(request.user, pk, unit)
    form = ReasonForm(request.POST)
    with refusal_shown(request):
        if not form.is_valid():
            raise services.CampaignError(_("请填写退回原因。"))
        services.reopen(enrollment, form.cleaned_data["reason"], user=request.user, request=request)
        messages.success(request, _("已退回“%(u)s”，已通知该单位；该单位可以重新修改并报送。") % {"u": enrollment.unit.name})
        refusal = services.write_refusal(enrollment)
        if refusal is not None:
            messages.warning(request, _("但该单位目前仍不能修改：%(m)s 请为其延期。") % {"m": refusal.message})
    return redirect(lookups.safe_next(request, reverse("campaigns:detail", args=[pk])))


@require_POST
@require(permissions.can_manage_campaigns)
def extension(request, pk, unit):
    enrollment = lookups.enrollment_or_404(request.user, pk, unit)
    form = ExtensionForm(request.POST)
    with refusal_shown(request):
        if not form.is_valid():
            raise services.CampaignError(_("请填写新的截止时间和延期原因。"))
        services.extend(enrollment, form.cleaned_data["deadline"], form.cleaned_data["reason"], user=request.user, request=request)
        messages.success(request, _("“%(u)s”已延期至 %(d)s。") % {"u": enrollment.unit.name, "d": local_datetime(form.cleaned_data["deadline"])})
    return redirect(lookups.safe_next(request, reverse("campaigns:detail", args=[pk])))


@require(permissions.can_list_campaigns)
def notice_page(request, pk):
    """What the paper notice shows: title, basis, recipients, deadline, contact, text and the checklists."""
    campaign = lookups.campaign_or_404(request.user, pk)
    enrollment = None
    if permissions.is_submitter(request.user):
        enrollment = visibility.enrollments_visible_to(request.user).filter(campaign=campaign).select_related("unit").first()
    links = campaign.framework_links.select_related("unit_kind", "framework")
    if enrollment is not None:
        links = links.filter(unit_kind_id=enrollment.unit.kind_id)
    return render(request, "campaigns/notice.html", {
        "campaign": campaign, "enrollment": enrollment, "links": links,
        "notice_html": notice.render_markdown(campaign.notice),
        "deadline_text": local_datetime(enrollment.effective_deadline if enrollment else campaign.deadline),
    })


@require(permissions.can_list_campaigns)
def attachment(request, pk, kind, fmt):
    """A checklist attachment of the notice (xlsx or docx)."""
    campaign = lookups.campaign_or_404(request.user, pk)
    link = campaign.framework_links.select_related("framework", "unit_kind").filter(unit_kind__code=kind).first()
    if link is None or fmt not in ("xlsx", "docx"):
        raise Http404
    if not permissions.can_download_attachment(request.user, link.unit_kind_id):
        raise PermissionDenied
    data = framework_services.to_dict(link.framework)
    body = exports.to_xlsx(data) if fmt == "xlsx" else exports.to_docx(data)
    record("attachment_download", request=request, campaign=campaign, kind=kind, format=fmt)
    response = HttpResponse(body, content_type=exports.MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{link.framework.code}.{fmt}"'
    return response
