"""The unit's workspace: its checklist, with upload, link, 说明 and 不适用 per assessment point."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.accounts.decorators import require
from pinggu.campaigns import lookups, notices
from pinggu.campaigns.models import EnrollmentState
from pinggu.campaigns.services import CampaignError, campaign_actions, open_round, write_refusal
from pinggu.errors import DomainError, refusal_json, wants_json
from pinggu.frameworks.layout import grid
from pinggu.lib.dates import local_datetime

from . import filetypes, receipt_docx, receipts, services
from .downloads import file_response, visible_evidence
from .models import EvidenceKind


def _enrollment(request, pk, unit):
    return lookups.enrollment_or_404(request.user, pk, unit)


def _context(request, enrollment):
    refusal = write_refusal(enrollment)
    can_edit = permissions.can_edit_enrollment(request.user, enrollment) and refusal is None
    round_ = open_round(enrollment)
    return {
        # An open 退回补充 round reopens its points only (the write window refuses the others).
        "open_round": round_, "round_points": sorted(round_.points) if round_ else [],
        "enrollment": enrollment, "campaign": enrollment.campaign, "unit": enrollment.unit,
        "can_edit": can_edit, "refusal": refusal if permissions.can_edit_enrollment(request.user, enrollment) else None,
        "actions": campaign_actions(enrollment.campaign),
        "deadline_text": local_datetime(enrollment.effective_deadline),
        "returned_text": local_datetime(enrollment.returned_at) if enrollment.returned_at else "",
        "extended_text": local_datetime(enrollment.extended_at) if enrollment.extended_at else "",
        "max_file_mb": enrollment.campaign.max_file_bytes // (1024 * 1024),
        "previewable": filetypes.PREVIEWABLE,
        "can_view_receipt": enrollment.state == EnrollmentState.SUBMITTED and permissions.can_view_receipt(request.user, enrollment),
    }


@require(permissions.can_use_workspace)
def workspace(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    listed = services.checklist(enrollment)
    points, progress = listed.points, listed.progress
    framework = enrollment.framework
    table = grid({"levels": framework.level_names, "scoring_mode": framework.scoring_mode}, tree=listed.tree)
    cp_col = table.columns.index("考核点")
    rows = [[cell for cell in row if cell.col <= cp_col] for row in table.rows()]
    for row in rows:
        for cell in row:
            if cell.kind == "checkpoint":
                cell.point = points[cell.code]
    return render(request, "evidence/workspace.html", {
        # A 催报 is about not having submitted: once submitted it is stale, whether read or not.
        "reminders": [] if enrollment.state == EnrollmentState.SUBMITTED else notices.unread_for(enrollment),
        **_context(request, enrollment), "columns": table.columns[: cp_col + 1], "rows": rows,
        "progress": progress,
        # Files this large go through the resumable (tus) API in chunks of this size.
        "resumable_threshold": settings.RESUMABLE_THRESHOLD_BYTES, "upload_chunk_bytes": settings.UPLOAD_CHUNK_BYTES,
    })


def _point_fragment(request, enrollment, code, error=None, notice=None, draft=None):
    listed = services.checklist(enrollment)
    point, progress = listed.points.get(code), listed.progress
    if point is None:
        raise Http404
    context = {**_context(request, enrollment), "point": point, "error": error, "notice": notice, "progress": progress,
               "draft": draft}
    return render_to_string("evidence/_point.html", context, request=request), render_to_string(
        "evidence/_progress.html", context, request=request
    )


def _respond(request, enrollment, code, refusal: DomainError | None = None, notice=None, draft=None):
    """The point's cell again; after a refusal, `draft` (what was typed) stays in the form, so nothing typed is lost."""
    error = str(refusal.message) if refusal else None
    cell, progress = _point_fragment(request, enrollment, code, error=error, notice=notice, draft=draft)
    if wants_json(request):
        if refusal is not None:  # the one refusal shape (errors.refusal_json), the cell riding along
            return refusal_json(refusal, ok=False, cell=cell, progress=progress)
        return JsonResponse({"ok": True, "message": notice or "", "cell": cell, "progress": progress},
                            json_dumps_params={"ensure_ascii": False})
    return HttpResponse(cell + progress.replace('id="progress"', 'id="progress" hx-swap-oob="true"', 1))


@require_POST
@require(permissions.can_use_workspace)
def upload(request, pk, unit, code):
    """One file per request (the page sends several in parallel, each with its own progress bar)."""
    enrollment = _enrollment(request, pk, unit)
    try:
        services.ensure_can_edit(request.user, enrollment)
        files = request.FILES.getlist("file")
        if not files:
            raise CampaignError(_("没有收到文件。"), code="file_required")
        notices = []
        for upload_file in files:
            item, created = services.add_file(enrollment, code, upload_file, user=request.user,
                                              note=request.POST.get("note", ""), request=request)
            if not created:
                notices.append(_("“%(n)s”与已上传的“%(o)s”内容相同，未重复保存。") % {"n": upload_file.name, "o": item.filename})
    except DomainError as exc:
        return _respond(request, enrollment, code, refusal=exc)
    return _respond(request, enrollment, code, notice=" ".join(notices) or None)


@require_POST
@require(permissions.can_use_workspace)
def add_link(request, pk, unit, code):
    enrollment = _enrollment(request, pk, unit)
    try:
        services.add_link(enrollment, code, request.POST.get("url", ""), user=request.user, note=request.POST.get("note", ""), request=request)
    except DomainError as exc:
        return _respond(request, enrollment, code, refusal=exc, draft={"url": request.POST.get("url", "")})
    return _respond(request, enrollment, code)


@require_POST
@require(permissions.can_use_workspace)
def set_response(request, pk, unit, code):
    enrollment = _enrollment(request, pk, unit)
    try:
        services.set_response(enrollment, code, status=request.POST.get("status", "done"), note=request.POST.get("note", ""),
                              user=request.user, request=request)
    except DomainError as exc:
        return _respond(request, enrollment, code, refusal=exc, draft={"note": request.POST.get("note", "")})
    return _respond(request, enrollment, code, notice=_("已保存。"))


@require_POST
@require(permissions.can_use_workspace)
def delete(request, evidence_id):
    item = visible_evidence(request.user, evidence_id)
    enrollment = item.response.enrollment
    code = item.response.checkpoint.code
    try:
        services.delete(item, user=request.user, request=request)
    except DomainError as exc:
        return _respond(request, enrollment, code, refusal=exc)
    return _respond(request, enrollment, code, notice=_("已删除“%(n)s”。") % {"n": item.filename or item.url})


@require_POST
@require(permissions.can_view_deleted_evidence)
def restore(request, evidence_id):
    item = visible_evidence(request.user, evidence_id)
    services.restore(item, user=request.user, request=request)
    messages.success(request, _("已恢复“%(n)s”。") % {"n": item.filename or item.url})
    return redirect(lookups.safe_next(request, reverse("campaigns:list")))


@require(permissions.can_use_workspace)
def download(request, evidence_id):
    return file_response(request, visible_evidence(request.user, evidence_id))


@require(permissions.can_use_workspace)
def inline(request, evidence_id):
    """The bytes for the preview page: PDF and images inline (sandboxed), anything else as a download."""
    return file_response(request, visible_evidence(request.user, evidence_id), inline=True)


@require(permissions.can_use_workspace)
def preview(request, evidence_id):
    item = visible_evidence(request.user, evidence_id)
    if item.kind == EvidenceKind.LINK:
        raise Http404
    enrollment = item.response.enrollment
    kind = "pdf" if item.file_type == "pdf" else "image" if filetypes.previewable(item.file_type) else None
    return render(request, "evidence/preview.html", {
        "item": item, "kind": kind, "enrollment": enrollment, "campaign": enrollment.campaign, "unit": enrollment.unit,
        "point": item.response.checkpoint,
    })


def _receipt_or_404(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    if not permissions.can_view_receipt(request.user, enrollment):
        raise Http404
    return enrollment


@require(permissions.can_use_workspace)
def receipt(request, pk, unit):
    enrollment = _receipt_or_404(request, pk, unit)
    try:
        content = receipts.receipt(enrollment)
    except DomainError as exc:
        return render(request, "evidence/receipt.html", {"enrollment": enrollment, "campaign": enrollment.campaign,
                                                         "unit": enrollment.unit, "error": exc.message}, status=exc.status)
    return render(request, "evidence/receipt.html", {
        "enrollment": enrollment, "campaign": enrollment.campaign, "unit": enrollment.unit, "receipt": content,
        "submitted_text": local_datetime(content.submitted_at), "printed_text": local_datetime(timezone.now()),
    })


@require(permissions.can_use_workspace)
def receipt_download(request, pk, unit):
    enrollment = _receipt_or_404(request, pk, unit)
    try:
        content = receipts.receipt(enrollment)
    except DomainError:
        raise Http404 from None
    record("receipt", request=request, campaign=enrollment.campaign, unit=enrollment.unit, number=content.number)
    response = HttpResponse(receipt_docx.build(content), content_type=receipt_docx.DOCX)
    filename = _("报送回执-%(u)s.docx") % {"u": enrollment.unit.name}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@require(permissions.can_use_workspace)
def submit(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    context = _context(request, enrollment)
    status = 200
    if request.method == "POST":
        try:
            services.submit(enrollment, user=request.user, request=request,
                            acknowledge_incomplete=bool(request.POST.get("acknowledge_incomplete")))
        except DomainError as exc:
            if wants_json(request):
                return refusal_json(exc)
            context["error"] = exc.message
            status = exc.status
        else:
            messages.success(request, _("已确认报送。材料已锁定，如需修改请联系组织单位。"))
            return redirect("evidence:workspace", pk=pk, unit=unit)
    context["empty"] = services.empty_points(enrollment)
    return render(request, "evidence/submit.html", context, status=status)



@require_POST
@require(permissions.can_use_workspace)
def reminder_read(request, pk, unit):
    enrollment = _enrollment(request, pk, unit)
    if permissions.is_submitter(request.user):
        notices.mark_read(enrollment, request.user, request=request)
    return redirect("evidence:workspace", pk=pk, unit=unit)
