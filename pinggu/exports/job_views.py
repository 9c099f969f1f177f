"""The web side of the background result exports (exports.jobs): start one, follow its progress (htmx polls the
widget every second), download the file. The same rules and audit as the API."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require

from . import jobs
from .downloads import campaign_or_404


def _widget(request, campaign, job):
    context = jobs.widget(campaign, job.kind, job)
    template = "exports/_job.html" if request.headers.get("HX-Request") else "exports/job.html"
    return render(request, template, context)


def _job(request, campaign, pk):
    job = jobs.find(request.user, pk)
    if job is None or job.campaign_id != campaign.pk:
        raise Http404
    return job


@require_POST
@require(permissions.can_export)
def job_start(request, pk):
    campaign = campaign_or_404(request, pk)
    job, _reused = jobs.start(campaign, request.POST.get("kind", ""), user=request.user, request=request)
    job.refresh_from_db()  # a backend that runs tasks at once has already built it
    if request.headers.get("HX-Request"):
        return _widget(request, campaign, job)
    return redirect("exports:job", pk=pk, job=job.pk)


@require(permissions.can_export)
def job_status(request, pk, job):
    campaign = campaign_or_404(request, pk)
    return _widget(request, campaign, _job(request, campaign, job))


@require(permissions.can_export)
def job_file(request, pk, job):
    campaign = campaign_or_404(request, pk)
    return jobs.file_response(request, _job(request, campaign, job))
