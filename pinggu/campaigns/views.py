import base64

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
from pinggu.accounts.models import Role, User
from pinggu.errors import DomainError
from pinggu.evidence.models import Evidence
from pinggu.frameworks import exports
from pinggu.frameworks import services as framework_services
from pinggu.frameworks.views import EXPORT_TYPES
from pinggu.lib.address import login_url

from . import lookups, notice, progress, services
from .forms import CampaignForm, ExtensionForm, ReasonForm
from .models import Campaign, CampaignState, Unit


@require(permissions.can_list_campaigns)
def campaign_list(request):
    campaigns = permissions.campaigns_visible_to(request.user).annotate(n_units=Count("enrollments"))
    mine = None
    if permissions.is_submitter(request.user):
        mine = {e.campaign_id: e for e in permissions.enrollments_visible_to(request.user).select_related("unit", "returned_by")}
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


@require(permissions.can_list_campaigns)
def campaign_detail(request, pk):
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
        "deadline_text": services.local_datetime(campaign.deadline), "opens_text": services.local_datetime(campaign.opens_at),
        "submitted": sum(1 for e in enrollments if e.state == "submitted"),
        "assignments": campaign.assignments.select_related("user", "unit"),
        "evaluators": User.objects.filter(role=Role.EVALUATOR, is_active=True),
    })


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
    try:
        services.assign_evaluator(campaign, evaluator, unit, user=request.user, request=request)
        messages.success(request, _("已指派 %(u)s。") % {"u": evaluator})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:detail", pk=pk)


@require_POST
@require(permissions.can_manage_campaigns)
def campaign_enroll(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    units = list(Unit.objects.alive().select_related("kind").filter(code__in=request.POST.getlist("units")))
    try:
        new = services.enroll(campaign, units, user=request.user, request=request)
        messages.success(request, _("已报名 %(n)d 个单位。") % {"n": len(new)})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("campaigns:detail", pk=pk)


@require_POST
@require(permissions.can_manage_campaigns)
def campaign_state(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        services.change_state(campaign, request.POST.get("state", ""), user=request.user, request=request)
        messages.success(request, _("任务状态已改为“%(s)s”。") % {"s": campaign.get_state_display()})
    except DomainError as exc:
        messages.error(request, exc.message)
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
    try:
        if not form.is_valid():
            raise services.CampaignError(_("请填写退回原因。"))
        services.reopen(enrollment, form.cleaned_data["reason"], user=request.user, request=request)
        messages.success(request, _("已退回“%(u)s”，已通知该单位；该单位可以重新修改并报送。") % {"u": enrollment.unit.name})
        refusal = services.write_refusal(enrollment)
        if refusal is not None:
            messages.warning(request, _("但该单位目前仍不能修改：%(m)s 请为其延期。") % {"m": refusal.message})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(lookups.safe_next(request, reverse("campaigns:detail", args=[pk])))


@require_POST
@require(permissions.can_manage_campaigns)
def extension(request, pk, unit):
    enrollment = lookups.enrollment_or_404(request.user, pk, unit)
    form = ExtensionForm(request.POST)
    try:
        if not form.is_valid():
            raise services.CampaignError(_("请填写新的截止时间和延期原因。"))
        services.extend(enrollment, form.cleaned_data["deadline"], form.cleaned_data["reason"], user=request.user, request=request)
        messages.success(request, _("“%(u)s”已延期至 %(d)s。") % {"u": enrollment.unit.name, "d": services.local_datetime(form.cleaned_data["deadline"])})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(lookups.safe_next(request, reverse("campaigns:detail", args=[pk])))


@require(permissions.can_list_campaigns)
def notice_page(request, pk):
    """What the paper notice shows: title, basis, recipients, deadline, contact, text and the checklists."""
    campaign = lookups.campaign_or_404(request.user, pk)
    enrollment = None
    if permissions.is_submitter(request.user):
        enrollment = permissions.enrollments_visible_to(request.user).filter(campaign=campaign).select_related("unit").first()
    links = campaign.framework_links.select_related("unit_kind", "framework")
    if enrollment is not None:
        links = links.filter(unit_kind_id=enrollment.unit.kind_id)
    return render(request, "campaigns/notice.html", {
        "campaign": campaign, "enrollment": enrollment, "links": links,
        "notice_html": notice.render_markdown(campaign.notice),
        "deadline_text": services.local_datetime(enrollment.effective_deadline if enrollment else campaign.deadline),
    })


@require(permissions.can_list_campaigns)
def attachment(request, pk, kind, fmt):
    """A checklist attachment of the notice (xlsx or docx)."""
    campaign = lookups.campaign_or_404(request.user, pk)
    link = campaign.framework_links.select_related("framework", "unit_kind").filter(unit_kind__code=kind).first()
    if link is None or fmt not in ("xlsx", "docx"):
        raise Http404
    if permissions.is_submitter(request.user) and request.user.unit.kind_id != link.unit_kind_id:
        raise PermissionDenied
    data = framework_services.to_dict(link.framework)
    body = exports.to_xlsx(data) if fmt == "xlsx" else exports.to_docx(data)
    record("attachment_download", request=request, campaign=campaign, kind=kind, format=fmt)
    response = HttpResponse(body, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{link.framework.code}.{fmt}"'
    return response


@require(permissions.can_manage_campaigns)
def deleted_evidence(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    items = (
        Evidence.objects.filter(response__enrollment__campaign=campaign, deleted_at__isnull=False)
        .select_related("response__enrollment__unit", "response__checkpoint", "deleted_by", "uploaded_by")
        .order_by("-deleted_at")
    )
    return render(request, "campaigns/deleted.html", {"campaign": campaign, "items": items})

