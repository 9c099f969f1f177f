"""Serving evidence files: permission-checked, never rendered as the site.

A download is an attachment with the type validated at upload. Only PDF and raster images are ever
sent inline (for the preview page), and then in a sandbox: no script, no plugins, no other origin's
resources, and `nosniff` so the browser never second-guesses the declared type.

On object storage an attachment is a redirect to a short-lived presigned URL carrying the same
Content-Type and Content-Disposition (S3 cannot add the CSP and nosniff headers, which is why a
previewed file is still streamed through Pinggu from its own origin); with presigning off
(PINGGU_S3_PRESIGN=false) every download is streamed with ranged reads.
"""

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from pinggu import storage as stored
from pinggu.accounts import permissions
from pinggu.accounts.audit import record

from . import filetypes
from .models import Evidence, EvidenceKind

# A sandboxed document without allow-scripts has an opaque origin: even if a browser rendered the
# bytes as something active, they could not act as this site.
ATTACHMENT_CSP = "sandbox; default-src 'none'"
INLINE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'"


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


def file_response(request, item, *, inline=False):
    """The stored file; `inline` asks to show it in the browser, granted only for previewable types."""
    enrollment = item.response.enrollment
    record("download", request=request, obj=item, campaign=enrollment.campaign, unit=enrollment.unit,
           checkpoint=item.response.checkpoint.code, filename=item.filename or item.url,
           **({"via": "preview"} if inline else {}))
    if item.kind == EvidenceKind.LINK:
        return HttpResponseRedirect(item.url)
    storage = item.file.storage
    if not storage.exists(item.file.name):
        raise Http404
    shown_as = None
    if inline and filetypes.previewable(item.file_type):
        shown_as = filetypes.inline_media_type(item.file_type, stored.read_head(storage, item.file.name, 1024))
    content_type = shown_as or filetypes.media_type(item.file_type)
    if shown_as is None and stored.presigns(storage):
        return HttpResponseRedirect(stored.presigned_url(storage, item.file.name, filename=item.filename,
                                                         content_type=content_type, attachment=True))
    accel = stored.accel_redirect(storage, item.file.name)
    if accel:
        # nginx sends the bytes (and answers Range) from its internal location; it drops the security headers set
        # here unless its location copies them back (deploy/nginx/pinggu.conf does).
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel
        response["Content-Disposition"] = content_disposition_header(shown_as is None, item.filename)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = INLINE_CSP if shown_as else ATTACHMENT_CSP
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        return response
    if stored.is_local(storage):
        response = FileResponse(storage.open(item.file.name, "rb"), as_attachment=shown_as is None,
                                filename=item.filename, content_type=content_type)
    else:
        response = StreamingHttpResponse(stored.read_range(storage, item.file.name), content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(shown_as is None, item.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = INLINE_CSP if shown_as else ATTACHMENT_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Content-Length"] = str(item.size)
    return response
