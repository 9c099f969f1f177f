"""The export downloads (progress.xlsx, the evidence ZIP, the notice, the result exports), answered alike to the web pages
and /api/v1; every export is audited."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.campaigns import lookups
from pinggu.oversight import progress
from pinggu.reviews import services as review_services

from . import notice_docx, prebuilt, progress_xlsx, report_docx, results_data, scores_xlsx, summary_docx
from .bundle import Plan, zip_stream
from .models import BundleStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def campaign_for(user, pk):
    campaign = lookups.find_campaign(user, pk)
    if campaign is None or not permissions.can_export(user):
        return None
    return campaign


def campaign_or_404(request, pk):
    """For the web pages: a campaign the user may not see does not exist."""
    campaign = campaign_for(request.user, pk)
    if campaign is None:
        raise Http404
    return campaign


def _attachment(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def progress_response(request, campaign):
    items = progress.rows(progress.visible_enrollments(request.user, campaign))
    record("export_progress", request=request, campaign=campaign, units=len(items))
    with translation.override("zh-hans"):  # documents are Chinese whatever the page's language (issue 8, 17)
        body = progress_xlsx.build(campaign, items)
    return _attachment(body, XLSX, f"{campaign.title}-报送进度.xlsx")


def notice_response(request, campaign):
    record("export_notice", request=request, campaign=campaign)
    with translation.override("zh-hans"):
        body = notice_docx.build(campaign, request)
    return _attachment(body, DOCX, f"{campaign.title}-通知.docx")


def bundle_response(request, campaign, unit_codes=None):
    """The ZIP: from the pre-built copy (resumable) when it matches, else streamed at once with its length."""
    enrollments = progress.visible_enrollments(request.user, campaign)
    whole = not unit_codes and enrollments.count() == campaign.enrollments.count()
    if unit_codes:
        enrollments = enrollments.filter(unit__code__in=unit_codes)
        if enrollments.count() != len(set(unit_codes)):
            raise Http404
    plan = Plan(campaign, enrollments)
    stamp = timezone.localtime().strftime("%Y%m%d")
    filename = f"{campaign.title}-印证材料-{stamp}.zip"
    if whole:
        signature = plan.signature()
        bundle = prebuilt.current(campaign, signature)
        if bundle is not None and bundle.status == BundleStatus.READY:
            if "HTTP_RANGE" not in request.META:
                record("export_bundle", request=request, campaign=campaign, prebuilt=True, size=bundle.size)
            return prebuilt.serve(request, bundle, filename)
        prebuilt.request_build(campaign, signature)
    stream = zip_stream(plan)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    record("export_bundle", request=request, campaign=campaign, prebuilt=False, size=len(stream),
           units=unit_codes or "all")
    return response


# --- Results (issue 10 §6): always Chinese documents, whatever the page's language ------------------

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
