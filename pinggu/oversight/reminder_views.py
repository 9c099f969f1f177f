from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require
from pinggu.campaigns.models import Campaign, ReminderBatch
from pinggu.errors import DomainError

from . import progress, reminders


@require(permissions.can_send_reminders)
def remind(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    chosen_filter = request.POST.get("filter") or request.GET.get("filter") or ""
    if request.method == "POST":
        try:
            batch = reminders.create_batch(
                campaign, message=request.POST.get("message", ""), force=bool(request.POST.get("force")),
                unit_codes=request.POST.getlist("units") if chosen_filter == "manual" else None,
                filter=None if chosen_filter == "manual" else chosen_filter or None,
                user=request.user, request=request,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            return redirect("campaigns:reminder_batch", pk=pk, batch=batch.pk)
    rows = progress.filter_and_sort(progress.rows(campaign.enrollments.all()))
    preselected = set()
    if chosen_filter in reminders.FILTERS:
        preselected = {e.unit.code for e in reminders.select(campaign, filter=chosen_filter)}
    return render(request, "oversight/remind.html", {
        "campaign": campaign, "rows": rows, "preselected": preselected, "filter": chosen_filter,
        "filters": reminders.FILTERS, "message": request.POST.get("message") or reminders.default_message(campaign),
        "batches": campaign.reminder_batches.all()[:10],
    })


@require(permissions.can_send_reminders)
def batch_page(request, pk, batch):
    batch = get_object_or_404(ReminderBatch.objects.select_related("campaign"), pk=batch, campaign_id=pk)
    context = {"campaign": batch.campaign, "batch": batch, "counts": reminders.summary(batch),
               "items": batch.reminders.select_related("enrollment__unit")}
    template = "oversight/_reminder_results.html" if request.headers.get("HX-Request") else "oversight/reminder_batch.html"
    return render(request, template, context)


@require_POST
@require(permissions.can_send_reminders)
def retry(request, pk, batch):
    batch = get_object_or_404(ReminderBatch, pk=batch, campaign_id=pk)
    n = reminders.retry_failed(batch, user=request.user, request=request)
    messages.success(request, _("已重新发送 %(n)d 个失败的催报。") % {"n": n})
    return redirect("campaigns:reminder_batch", pk=pk, batch=batch.pk)
