from typing import Literal, Optional

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.accounts import permissions
from pinggu.accounts.decorators import api_require
from pinggu.api_types import Id, OptionalCodeList, OptionalWord, UnitCode, Word, file_download, responses
from pinggu.campaigns.models import ReminderBatch
from pinggu.errors import DomainError
from pinggu.oversight import progress, reminders
from pinggu.textlimits import max_length

from . import downloads, jobs
from .downloads import DOCX, XLSX

router = Router(tags=["oversight"])
jobs_router = Router(tags=["oversight"])


def _campaign(request, campaign_id):
    campaign = downloads.campaign_for(request.auth, campaign_id)
    if campaign is None:
        raise DomainError(_("评估任务不存在。"), code="not_found", status=404)
    return campaign


@router.get("/{int:campaign_id}/progress", response=responses(None, 404), summary="各单位报送进度")
@api_require(permissions.can_export)
def campaign_progress(request, campaign_id: Id, kind: OptionalWord = None, state: OptionalWord = None, sort: Word = "unit_name"):
    campaign = _campaign(request, campaign_id)
    items = progress.rows(progress.visible_enrollments(request.auth, campaign))
    shown = progress.filter_and_sort(items, kind=kind, state=state, sort=sort.lstrip("-"), descending=sort.startswith("-"))
    return {"units": [r.as_api() for r in shown], "totals": progress.totals(shown)}


@router.get("/{int:campaign_id}/export/progress.xlsx", response=responses({200: None}, 404), openapi_extra=file_download(XLSX), summary="导出进度 Excel")
@api_require(permissions.can_export)
def export_progress(request, campaign_id: Id):
    return downloads.progress_response(request, _campaign(request, campaign_id))


@router.get("/{int:campaign_id}/export/evidence.zip", response=responses({200: None, 206: None}, 404, 416),
            openapi_extra=file_download("application/zip", (200, 206)),
            summary="下载材料包 ZIP（units=CODE,CODE 可选；整任务的包支持断点续传）")
@api_require(permissions.can_export)
def export_bundle(request, campaign_id: Id, units: OptionalCodeList = None):
    codes = [c.strip() for c in (units or "").split(",") if c.strip()] or None
    campaign = _campaign(request, campaign_id)
    try:
        return downloads.bundle_response(request, campaign, codes)
    except Http404:
        raise DomainError(_("有单位不存在或无权查看。"), code="not_found", status=404) from None


@router.get("/{int:campaign_id}/export/notice.docx", response=responses({200: None}, 404), openapi_extra=file_download(DOCX), summary="导出通知 Word")
@api_require(permissions.can_export)
def export_notice(request, campaign_id: Id):
    return downloads.notice_response(request, _campaign(request, campaign_id))


@router.get("/{int:campaign_id}/export/scores.xlsx", response=responses({200: None}, 404), openapi_extra=file_download(XLSX),
            summary="导出评估得分 Excel（各类单位排名、扣分明细）")
@api_require(permissions.can_export)
def export_scores(request, campaign_id: Id):
    return downloads.scores_response(request, _campaign(request, campaign_id))


@router.get("/{int:campaign_id}/export/reports.zip", response=responses({200: None}, 404),
            openapi_extra=file_download("application/zip"), summary="导出全部单位的评估报告 ZIP")
@api_require(permissions.can_export)
def export_reports(request, campaign_id: Id):
    return downloads.reports_response(request, _campaign(request, campaign_id))


@router.get("/{int:campaign_id}/export/summary.docx", response=responses({200: None}, 404), openapi_extra=file_download(DOCX),
            summary="导出评估结果汇总 Word（得分分布、指标均分图表、排名、主要失分）")
@api_require(permissions.can_export)
def export_summary(request, campaign_id: Id):
    return downloads.summary_response(request, _campaign(request, campaign_id))


@router.get("/{int:campaign_id}/units/{unit_code}/report.docx", response=responses({200: None}, 404),
            openapi_extra=file_download(DOCX), summary="单位的评估报告 Word（单位本身：结果发布后）")
def export_report(request, campaign_id: Id, unit_code: UnitCode):
    enrollment = downloads.report_enrollment(request.auth, campaign_id, unit_code)
    if enrollment is None:
        raise DomainError(_("找不到该单位的评估报告。"), code="not_found", status=404)
    return downloads.report_response(request, enrollment)


class ExportJobIn(Schema):
    kind: Literal["reports_zip", "summary_docx", "scores_xlsx"]


class ExportJobOut(Schema):
    id: int
    campaign_id: int
    kind: str
    state: Literal["queued", "running", "ready", "failed"]
    done: int
    total: int
    created_at: str
    finished_at: Optional[str]
    message: Optional[str] = Field(None, description="生成失败时给使用者的说明")
    file: Optional[str] = Field(None, description="生成完成后下载文件的地址")
    filename: Optional[str]
    size: Optional[int]


@router.post("/{int:campaign_id}/export/jobs", response=responses({202: ExportJobOut}, 404),
             summary="在后台生成评估结果文件（reports_zip、summary_docx、scores_xlsx），返回进度；内容未变时沿用已生成的文件")
@api_require(permissions.can_export)
def start_export_job(request, campaign_id: Id, body: ExportJobIn):
    job, _reused = jobs.start(_campaign(request, campaign_id), body.kind, user=request.auth, request=request)
    job.refresh_from_db()
    return Status(202, jobs.as_api(job))


def _job(request, job_id):
    job = jobs.find(request.auth, job_id)
    if job is None:
        raise DomainError(_("找不到该导出任务。"), code="not_found", status=404)
    return job


@jobs_router.get("/jobs/{int:job_id}", response=responses({200: ExportJobOut}, 404), summary="后台导出的进度")
@api_require(permissions.can_export)
def export_job(request, job_id: Id):
    return jobs.as_api(_job(request, job_id))


_ANY_JOB_FILE = {"responses": {200: {"content": {
    media: file_download(media)["responses"][200]["content"][media] for media in sorted({DOCX, XLSX, "application/zip"})
}}}}


@jobs_router.get("/jobs/{int:job_id}/file", response=responses({200: None}, 404, 409), openapi_extra=_ANY_JOB_FILE,
                 summary="下载后台导出生成的文件（409 not_ready：还没有生成好）")
@api_require(permissions.can_export)
def export_job_file(request, job_id: Id):
    return jobs.file_response(request, _job(request, job_id))


class ReminderIn(Schema):
    unit_codes: Optional[list[str]] = None
    filter: Optional[str] = None
    message: Optional[str] = Field(None, max_length=max_length(ReminderBatch, "message"))
    force: bool = False


@router.post("/{int:campaign_id}/reminders", response=responses({201: dict}, 404, 409), summary="催报（按单位或 filter: not_submitted | has_empty）")
@api_require(permissions.can_send_reminders)
def remind(request, campaign_id: Id, body: ReminderIn):
    campaign = _campaign(request, campaign_id)
    if not body.unit_codes and not body.filter:
        raise DomainError(_("请提供 unit_codes 或 filter。"), code="units_required", status=400)
    batch = reminders.create_batch(campaign, message=body.message or reminders.default_message(campaign),
                                   unit_codes=body.unit_codes, filter=body.filter, force=body.force,
                                   user=request.auth, request=request)
    batch.refresh_from_db()
    return Status(201, reminders.as_api(batch))


@router.get("/{int:campaign_id}/reminders/{int:batch_id}", response=responses(None, 404), summary="催报结果")
@api_require(permissions.can_send_reminders)
def reminder_batch(request, campaign_id: Id, batch_id: Id):
    campaign = _campaign(request, campaign_id)
    # The same rule as the web page: a batch lists every unit's status and address.
    batch = ReminderBatch.objects.filter(campaign=campaign, pk=batch_id).first()
    if batch is None:
        raise DomainError(_("催报记录不存在。"), code="not_found", status=404)
    return reminders.as_api(batch)
