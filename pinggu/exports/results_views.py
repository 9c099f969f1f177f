"""The result exports (issue 10 §6): scores.xlsx, a unit's report, all reports as a ZIP, the campaign summary.

The same functions answer the web links and /api/v1; every export is audited. Documents are Chinese whatever
the page's language. They are built synchronously: at the size of a campaign (a few hundred units) the ZIP of
reports takes seconds, not minutes.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils import timezone, translation

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require
from pinggu.campaigns import lookups
from pinggu.reviews import services as review_services

from . import report_docx, results_data, scores_xlsx, summary_docx
from .views import DOCX, XLSX, _attachment, _campaign_or_404


def _stamp():
    return timezone.localtime().strftime("%Y%m%d")


def _show_rank(results):
    return results.published and results.ranking_published


def scores_response(request, campaign):
    with translation.override("zh-hans"):
        results = results_data.gather(campaign, request.user)
        body = scores_xlsx.build(results)
    record("export_scores", request=request, campaign=campaign, units=len(results.units))
    return _attachment(body, XLSX, f"{campaign.title}-评估得分-{_stamp()}.xlsx")


def reports_response(request, campaign):
    with translation.override("zh-hans"):
        results = results_data.gather(campaign, request.user)
        body = report_docx.build_zip(results)
    record("export_reports", request=request, campaign=campaign, units=len(results.units))
    return _attachment(body, "application/zip", f"{campaign.title}-评估报告-{_stamp()}.zip")


def summary_response(request, campaign):
    with translation.override("zh-hans"):
        body = summary_docx.build(results_data.gather(campaign, request.user))
    record("export_summary", request=request, campaign=campaign)
    return _attachment(body, DOCX, f"{campaign.title}-评估结果汇总-{_stamp()}.docx")


def report_enrollment(user, campaign_id, unit_code):
    """The enrollment whose report `user` may read, else None: the results rule (organizer, viewers, the
    assigned evaluators; the unit itself once the results are published)."""
    enrollment = lookups.find_enrollment(user, campaign_id, unit_code)
    if enrollment is None:
        return None
    published = review_services.results_published(enrollment.campaign)
    if not permissions.can_view_results(user, enrollment, published=published):
        return None
    return enrollment


def report_response(request, enrollment):
    campaign = enrollment.campaign
    with translation.override("zh-hans"):
        results = results_data.gather(campaign, unit_codes=[enrollment.unit.code])
        unit = results.units[0]
        body = report_docx.build(results, unit, show_rank=_show_rank(results))
    record("export_report", request=request, campaign=campaign, unit=enrollment.unit)
    return _attachment(body, DOCX, report_docx.report_filename(results, unit))


@require(permissions.can_export)
def scores_export(request, pk):
    return scores_response(request, _campaign_or_404(request, pk))


@require(permissions.can_export)
def reports_export(request, pk):
    return reports_response(request, _campaign_or_404(request, pk))


@require(permissions.can_export)
def summary_export(request, pk):
    return summary_response(request, _campaign_or_404(request, pk))


@login_required
def report_export(request, pk, unit):
    enrollment = report_enrollment(request.user, pk, unit)
    if enrollment is None:
        raise Http404
    return report_response(request, enrollment)
