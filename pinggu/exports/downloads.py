"""The export downloads (progress.xlsx, the evidence ZIP, the notice as .docx), answered alike to the web pages
and /api/v1; every export is audited."""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.campaigns import lookups
from pinggu.oversight import progress

from . import notice_docx, prebuilt, progress_xlsx
from .bundle import Plan, zip_stream
from .models import BundleStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def campaign_for(user, pk):
    campaign = lookups.find_campaign(user, pk)
    if campaign is None or not permissions.can_export(user):
        return None
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
