"""Result exports built in the background (issue 10 §6: "long exports run as background tasks with progress
shown; the result is downloadable when ready").

A job is asked for by one person and holds what that person may see (an evaluator: the assigned units), so the
file is theirs (`permissions.can_read_export_job`). The worker (`pinggu worker`, started by `pinggu serve`) builds
it through `tasks.run_export_job`, counting units (the reports ZIP) or steps (the summary, the workbook) in
`done`/`total`, and keeps the file in default storage, local or S3. The same web page, the API and the audit log
see one model, `ExportJob`.

Reuse: when the person asks again and a job of theirs is ready whose content hash (`signature`, over everything
the file shows, taken from the same data the builder read) equals the current one, that job is answered instead
of a new build; so is a job of theirs for the same kind still queued (it reads the data when it starts), unless it
looks abandoned (`STALE_AFTER`). A running job is not: it may have read the data before the latest change. A
failed job is never reused: asking again is the retry.
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from pinggu import storage as stored
from pinggu.accounts import permissions
from pinggu.accounts.audit import record
from pinggu.campaigns import lookups
from pinggu.campaigns.models import Campaign
from pinggu.campaigns.services import iso_local
from pinggu.errors import DomainError

from . import report_docx, results_data, scores_xlsx, summary_docx
from .models import ExportJob, ExportKind, JobState

log = logging.getLogger("pinggu.exports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"
# A job still queued or running after this long lost its worker (killed, restarted): asking again starts a new one.
STALE_AFTER = timedelta(minutes=30)
# Bump when a builder changes what it writes, so files built by the old code are not reused.
BUILDERS_VERSION = 1


class ExportJobError(DomainError):
    pass


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Kind:
    suffix: str
    content_type: str
    audit_action: str  # the download's audit action, the same as the direct export's
    name: Callable[[Campaign, str], str]  # (campaign, yyyymmdd) -> the download's file name
    write: Callable[[results_data.CampaignResults, object, Progress], None]  # into a binary file


def _write_bytes(build):
    def write(results, out, progress):
        out.write(build(results, progress=progress))

    return write


KINDS: dict[str, Kind] = {
    ExportKind.REPORTS_ZIP: Kind(".zip", ZIP, "export_reports", lambda c, day: f"{c.title}-评估报告-{day}.zip",
                                 lambda results, out, progress: report_docx.write_zip(results, out, progress=progress)),
    ExportKind.SUMMARY_DOCX: Kind(".docx", DOCX, "export_summary", lambda c, day: f"{c.title}-评估结果汇总-{day}.docx",
                                  _write_bytes(summary_docx.build)),
    ExportKind.SCORES_XLSX: Kind(".xlsx", XLSX, "export_scores", lambda c, day: f"{c.title}-评估得分-{day}.xlsx",
                                 _write_bytes(scores_xlsx.build)),
}


def signature(results: results_data.CampaignResults) -> str:
    """A hash of everything a result export shows: two requests with equal signatures get equal files. The day is
    in it because unpublished documents are dated the day they are made."""
    campaign = results.campaign
    payload = {
        "version": BUILDERS_VERSION,
        "campaign": [campaign.pk, campaign.title, campaign.issuer, campaign.year, campaign.state],
        "published": [results.published, results.ranking_published, results.published_at],
        "units": [asdict(unit) for unit in results.units],
        "columns": results.columns,
        "day": timezone.localdate(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _gather(campaign: Campaign, user) -> results_data.CampaignResults:
    with translation.override("zh-hans"):
        return results_data.gather(campaign, user)


def _stale(job: ExportJob) -> bool:
    return job.active and job.created_at < timezone.now() - STALE_AFTER


def start(campaign: Campaign, kind: str, *, user, request=None) -> tuple[ExportJob, bool]:
    """Queue a build of `kind` for `user` (who may export this campaign), or answer the job of theirs that already
    has (or will have) this content. Returns (job, reused); audited either way."""
    if kind not in KINDS:
        raise ExportJobError(_("不支持的导出类型“%(k)s”。") % {"k": str(kind)[:40]}, code="invalid_kind", status=400)
    if not permissions.can_export(user) or lookups.find_campaign(user, campaign.pk) is None:
        raise ExportJobError(_("没有权限导出该任务的评估结果。"), code="forbidden", status=403)
    mine = ExportJob.objects.filter(campaign=campaign, kind=kind, requested_by=user)
    reused = None
    queued = mine.filter(state=JobState.QUEUED).first()
    if queued is not None and not _stale(queued):
        reused = queued
    else:
        current = signature(_gather(campaign, user))
        ready = mine.filter(state=JobState.READY, signature=current).first()
        if ready is not None and ready.file and default_storage.exists(str(ready.file.name)):
            reused = ready
    if reused is not None:
        record("export_job_start", actor=user, request=request, obj=reused, campaign=campaign, document=str(kind),
               job=reused.pk, reused=True)
        return reused, True
    job = ExportJob.objects.create(campaign=campaign, kind=kind, requested_by=user)
    record("export_job_start", actor=user, request=request, obj=job, campaign=campaign, document=str(kind), job=job.pk,
           reused=False)
    from .tasks import run_export_job  # the task module imports this one

    transaction.on_commit(lambda: run_export_job.enqueue(job.pk))
    return job, False


def _progress(job_id: int) -> Progress:
    def update(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done=done, total=total)

    return update


def run(job_id: int) -> None:
    """The task's body: build the file, store it, mark the job ready; on any error mark it failed (and raise, so the
    task backend records the failure too). Older finished jobs of the same person and kind are removed."""
    claimed = ExportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(state=JobState.RUNNING,
                                                                                started_at=timezone.now())
    if not claimed:
        return  # already taken by another worker, or gone
    job = ExportJob.objects.select_related("campaign", "requested_by").get(pk=job_id)
    kind = KINDS[job.kind]
    user, campaign = job.requested_by, job.campaign
    try:
        # The right to the content is checked again: the account may have been disabled since it asked.
        if not permissions.can_export(user) or lookups.find_campaign(user, campaign.pk) is None:
            raise ExportJobError(_("申请人已无权导出该任务的评估结果。"), code="forbidden", status=403)
        results = _gather(campaign, user)
        # Built into a temporary file next to the data (a ZIP of hundreds of reports need not sit in memory),
        # then handed to storage.
        fd, tmp = tempfile.mkstemp(suffix=kind.suffix, dir=settings.FILE_UPLOAD_TEMP_DIR)
        try:
            with translation.override("zh-hans"), os.fdopen(fd, "wb") as out:
                kind.write(results, out, _progress(job.pk))
            size = os.path.getsize(tmp)
            filename = kind.name(campaign, timezone.localtime().strftime("%Y%m%d"))
            with open(tmp, "rb") as fh:
                name = default_storage.save(f"exports/jobs/{campaign.pk}/{job.pk}{kind.suffix}", File(fh))
        finally:
            os.unlink(tmp)
    except Exception as exc:
        told = exc.message if isinstance(exc, DomainError) else ""
        ExportJob.objects.filter(pk=job.pk).update(state=JobState.FAILED, finished_at=timezone.now(), message=told[:500],
                                                   error=f"{type(exc).__name__}: {exc}"[:1000])
        if told:
            log.warning("export job %s (%s) refused: %s", job.pk, job.kind, told)
        else:
            log.exception("export job %s (%s) failed", job.pk, job.kind)
        raise
    ExportJob.objects.filter(pk=job.pk).update(state=JobState.READY, file=name, filename=filename, size=size,
                                               signature=signature(results), finished_at=timezone.now())
    ExportJob.objects.filter(pk=job.pk, total=0).update(total=1, done=1)  # nothing to count (no units): still 100 %
    # Only older ones: a job that started earlier and finishes later must not remove a newer file.
    for old in ExportJob.objects.filter(campaign=campaign, kind=job.kind, requested_by=user, pk__lt=job.pk,
                                        state__in=(JobState.READY, JobState.FAILED)):
        if old.file:
            default_storage.delete(str(old.file.name))
        old.delete()


def find(user, job_id) -> ExportJob | None:
    """The job `user` may follow and download, else None (answered as not found: others' jobs do not exist)."""
    job = ExportJob.objects.select_related("campaign").filter(pk=job_id).first()
    if job is None or not permissions.can_read_export_job(user, job.requested_by_id):
        return None
    if lookups.find_campaign(user, job.campaign_id) is None:
        return None
    return job


def failure_message(job: ExportJob) -> str:
    """What the person is told about a failed (or abandoned) job; the exception text stays in `error` and the log."""
    if job.state == JobState.FAILED and job.message:
        return _("生成失败：%(m)s") % {"m": job.message}
    if _stale(job):
        return _("后台任务长时间没有完成，可能已中断，请重新生成。")
    return _("生成失败，请重新生成；如仍失败，请联系系统管理员。")


def as_api(job: ExportJob) -> dict:
    """`GET /api/v1/export/jobs/{id}`: an abandoned job reads as failed, so a client knows to ask again."""
    stale = _stale(job)
    return {
        "id": job.pk, "campaign_id": job.campaign_id, "kind": job.kind,
        "state": JobState.FAILED.value if stale else job.state, "done": job.done, "total": job.total,
        "created_at": iso_local(job.created_at), "finished_at": iso_local(job.finished_at),
        "message": failure_message(job) if job.state == JobState.FAILED or stale else None,
        "file": f"/api/v1/export/jobs/{job.pk}/file" if job.state == JobState.READY else None,
        "filename": job.filename or None, "size": job.size if job.state == JobState.READY else None,
    }


def latest(campaign: Campaign, user) -> dict[str, ExportJob]:
    """The newest job of `user` per kind for this campaign, for the results pages."""
    out: dict[str, ExportJob] = {}
    for job in ExportJob.objects.filter(campaign=campaign, requested_by=user):
        out.setdefault(job.kind, job)
    return out


def widget(campaign: Campaign, kind: str, job: ExportJob | None) -> dict:
    """What the template exports/_job.html shows for one kind: the start button, then progress, link or failure."""
    stale = job is not None and _stale(job)
    failed = job is not None and (job.state == JobState.FAILED or stale)
    return {"campaign": campaign, "kind": kind, "label": ExportKind(kind).label, "job": job,
            "polling": job is not None and job.active and not stale, "failed": failed,
            "message": failure_message(job) if job is not None and failed else ""}


def file_response(request, job: ExportJob):
    """The built file as an attachment (a presigned redirect on S3 when configured); audited as the direct export
    of the same document is, with the job's id."""
    if job.state != JobState.READY or not job.file:
        raise ExportJobError(_("文件还没有生成好。"), code="not_ready", status=409)
    kind = KINDS[job.kind]
    storage, name = default_storage, str(job.file.name)
    if not storage.exists(name):
        raise Http404
    record(kind.audit_action, request=request, campaign=job.campaign, document=job.kind, job=job.pk, size=job.size)
    if stored.presigns(storage):
        return HttpResponseRedirect(stored.presigned_url(storage, name, filename=job.filename,
                                                         content_type=kind.content_type))
    response: StreamingHttpResponse
    if stored.is_local(storage):
        response = FileResponse(storage.open(name, "rb"), as_attachment=True, filename=job.filename,
                                content_type=kind.content_type)
    else:
        response = StreamingHttpResponse(stored.read_range(storage, name), content_type=kind.content_type)
        response["Content-Disposition"] = content_disposition_header(True, job.filename)
    response["Content-Length"] = str(job.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response
