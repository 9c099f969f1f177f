"""Whole-campaign bundles built once in the background and served with HTTP Range, so downloads resume."""

import os
import re
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from pinggu import storage as stored
from pinggu.campaigns.models import Campaign

from .bundle import Plan, zip_stream
from .models import Bundle, BundleStatus
from .tasks import build_bundle

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def current(campaign, signature):
    return Bundle.objects.filter(campaign=campaign, signature=signature).first()


def request_build(campaign, signature):
    """Queue a build for this state of the campaign unless one exists or runs."""
    try:
        with transaction.atomic():
            bundle, created = Bundle.objects.get_or_create(campaign=campaign, signature=signature)
    except IntegrityError:
        return current(campaign, signature)
    if created or bundle.status == BundleStatus.FAILED:
        if bundle.status == BundleStatus.FAILED:
            Bundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.BUILDING, error="")
        transaction.on_commit(lambda: build_bundle.enqueue(campaign.pk, signature))
    return bundle


def build_after_close(sender, campaign, before, after, **kwargs):
    """When submissions close, prepare the whole-campaign bundle for the evaluators' download."""
    if after == "closed":
        request_build(campaign, Plan(campaign, campaign.enrollments.all()).signature())


def build(campaign_id, signature):
    """Write the ZIP to a temporary file next to the data, then hand it to storage; old copies are removed."""
    campaign = Campaign.objects.get(pk=campaign_id)
    bundle, _ = Bundle.objects.get_or_create(campaign=campaign, signature=signature)
    plan = Plan(campaign, campaign.enrollments.all())
    if plan.signature() != signature:
        # Evidence changed after the build was asked for: build the current state instead.
        bundle.delete()
        request_build(campaign, plan.signature())
        return
    fd, tmp = tempfile.mkstemp(suffix=".zip", dir=settings.FILE_UPLOAD_TEMP_DIR)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in zip_stream(plan):
                out.write(chunk)
        size = os.path.getsize(tmp)
        with open(tmp, "rb") as fh:
            name = Bundle._meta.get_field("file").storage.save(f"bundles/{campaign.pk}/{signature}.zip", File(fh))
    except Exception as exc:
        Bundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000])
        raise
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    Bundle.objects.filter(pk=bundle.pk).update(status=BundleStatus.READY, file=name, size=size, finished_at=timezone.now())
    for old in Bundle.objects.filter(campaign=campaign).exclude(pk=bundle.pk):
        if old.file:
            old.file.storage.delete(old.file.name)
        old.delete()


def serve(request, bundle, filename):
    """The stored bundle as an attachment; a single `Range: bytes=a-b` gets 206 with just that part."""
    size = bundle.size
    etag = f'"{bundle.signature}"'
    header = request.META.get("HTTP_RANGE", "")
    if_range = request.META.get("HTTP_IF_RANGE")
    match = _RANGE.match(header.strip()) if header and (not if_range or if_range == etag) else None
    if header and match is None and (not if_range or if_range == etag):
        return _unsatisfiable(size)
    storage = bundle.file.storage
    if stored.presigns(storage):
        # The object store answers Range and If-Range itself; the link lives a few minutes.
        return HttpResponseRedirect(stored.presigned_url(storage, bundle.file.name, filename=filename,
                                                         content_type="application/zip"))
    if match is None:
        if stored.is_local(storage):
            response = FileResponse(storage.open(bundle.file.name, "rb"), as_attachment=True, filename=filename,
                                    content_type="application/zip")
        else:
            response = StreamingHttpResponse(stored.read_range(storage, bundle.file.name), content_type="application/zip")
            response["Content-Disposition"] = content_disposition_header(True, filename)
        response["Content-Length"] = str(size)
    else:
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start > end or start >= size:
            return _unsatisfiable(size)
        # A ranged read: on S3 a GET of just these bytes, streamed, never the whole object.
        response = StreamingHttpResponse(stored.read_range(storage, bundle.file.name, start, end - start + 1),
                                         status=206, content_type="application/zip")
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _unsatisfiable(size):
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response
