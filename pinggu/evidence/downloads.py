"""Serving evidence files: permission-checked, always as an attachment, never rendered."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect

from pinggu.accounts import permissions
from pinggu.accounts.audit import record

from .models import Evidence, EvidenceKind


def visible_evidence(user, evidence_id):
    """The evidence if the user may see it, else Http404 (another unit's ids are not revealed)."""
    item = (
        Evidence.objects.select_related("response__enrollment__campaign", "response__enrollment__unit", "response__checkpoint", "uploaded_by")
        .filter(pk=evidence_id).first()
    )
    if item is None or not permissions.can_view_enrollment(user, item.response.enrollment):
        raise Http404
    if item.deleted_at and not permissions.can_view_deleted_evidence(user):
        raise Http404
    return item


def file_response(request, item):
    enrollment = item.response.enrollment
    record("download", request=request, obj=item, campaign=enrollment.campaign, unit=enrollment.unit,
           checkpoint=item.response.checkpoint.code, filename=item.filename or item.url)
    if item.kind == EvidenceKind.LINK:
        return HttpResponseRedirect(item.url)
    try:
        handle = default_storage.open(item.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.filename,
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Content-Length"] = str(item.size)
    return response
