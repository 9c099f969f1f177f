"""The result exports (issue 10 §6): scores.xlsx, a unit's report, all reports as a ZIP, the campaign summary.

The same functions answer the web links and /api/v1; every export is audited. Documents are Chinese whatever
the page's language. These links build the file within the request; the results pages start the long ones (the
reports ZIP, the summary) as background jobs with progress instead (exports.jobs, job_views).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404

from pinggu.accounts import permissions
from pinggu.accounts.decorators import require

from .downloads import campaign_or_404, report_enrollment, report_response, reports_response, scores_response, summary_response


@require(permissions.can_export)
def scores_export(request, pk):
    return scores_response(request, campaign_or_404(request, pk))


@require(permissions.can_export)
def reports_export(request, pk):
    return reports_response(request, campaign_or_404(request, pk))


@require(permissions.can_export)
def summary_export(request, pk):
    return summary_response(request, campaign_or_404(request, pk))


@login_required
def report_export(request, pk, unit):
    enrollment = report_enrollment(request.user, pk, unit)
    if enrollment is None:
        raise Http404
    return report_response(request, enrollment)
