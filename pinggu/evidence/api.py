import json
from functools import wraps
from typing import Annotated

from django.http import FileResponse, HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import Field as Bounded

from pinggu.accounts import permissions
from pinggu.accounts.decorators import api_require
from pinggu.api_types import CheckpointCode, Id, UnitCode, file_download, responses
from pinggu.campaigns.lookups import enrollment_or_refuse
from pinggu.campaigns.models import Campaign
from pinggu.campaigns.serializers import enrollment_out
from pinggu.campaigns.services import iso_local
from pinggu.errors import DomainError, refusal_json
from pinggu.frameworks.tree import IndicatorNode, PointNode
from pinggu.textlimits import max_length

from . import filetypes, resumable, services
from .downloads import file_response, visible_evidence
from .models import Response, Upload

router = Router(tags=["evidence"])
evidence_router = Router(tags=["evidence"])
uploads_router = Router(tags=["evidence"])


def evidence_out(item):
    return {
        "id": item.pk, "kind": item.kind, "filename": item.filename or None, "url": item.url or None,
        "size": item.size if item.kind == "file" else None, "sha256": item.sha256 or None,
        "note": item.note, "uploaded_at": iso_local(item.uploaded_at),
        "uploaded_by": item.uploaded_by.get_username() if item.uploaded_by else None,
        "deleted_at": iso_local(item.deleted_at),
    }


def _tree(listed):
    def point(cp):
        entry = listed.points[cp.code]
        return {"code": cp.code, "text": cp.text, "status": entry.status, "note": entry.note,
                "evidence": [evidence_out(e) for e in entry.evidence_list]}

    def indicator(ind, below):
        return {
            "code": ind.code, "numbering": ind.numbering, "level": ind.level, "title": ind.title,
            "children": [v for n, v in below if isinstance(n, IndicatorNode)],
            "checkpoints": [v for n, v in below if isinstance(n, PointNode)],
        }

    values = listed.tree.roll_up(point, indicator)
    return [values[root] for root in listed.tree.roots]


@router.get("/{int:campaign_id}/units/{unit_code}/checklist", response=responses(None, 404), summary="单位清单与填报情况")
def checklist(request, campaign_id: Id, unit_code: UnitCode):
    enrollment = enrollment_or_refuse(request.auth, campaign_id, unit_code)
    listed = services.checklist(enrollment)
    return {**enrollment_out(enrollment, listed.progress), "framework": enrollment.framework.code, "indicators": _tree(listed)}


@router.post(
    "/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/evidence",
    response=responses({200: dict, 201: dict}, 404, 409, 410),
    summary="上传材料（multipart: file, note）或添加链接（JSON: url, note）",
    description="同一考核点重复上传相同内容时返回 200 和已有记录（duplicate: true），不会重复保存。",
)
def add_evidence(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode):
    enrollment = enrollment_or_refuse(request.auth, campaign_id, unit_code)
    services.ensure_can_edit(request.auth, enrollment)
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError(_("请用 multipart 字段 file 上传文件。"), code="file_required", status=400)
        item, created = services.add_file(enrollment, checkpoint_code, upload, user=request.auth,
                                          note=request.POST.get("note", ""), request=request)
    else:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise DomainError(_("请求体不是有效的 JSON。"), code="invalid_json", status=400) from None
        if not isinstance(body, dict) or not body.get("url"):
            raise DomainError(_("请上传文件（multipart 字段 file）或提供 JSON {url, note}。"), code="url_required", status=400)
        item, created = services.add_link(enrollment, checkpoint_code, body["url"], user=request.auth,
                                          note=str(body.get("note") or ""), request=request)
    return Status(201 if created else 200, {**evidence_out(item), "duplicate": not created})


class ResponseIn(Schema):
    status: str = Field(max_length=20)
    note: str = Field("", max_length=max_length(Response, "note"))


@router.put("/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/response", response=responses(None, 404, 409, 410),
            summary="填写说明或标记不适用")
def set_response(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode, body: ResponseIn):
    enrollment = enrollment_or_refuse(request.auth, campaign_id, unit_code)
    response = services.set_response(enrollment, checkpoint_code, status=body.status, note=body.note,
                                     user=request.auth, request=request)
    return {"checkpoint": checkpoint_code, "status": response.status, "note": response.note}


SUBMIT_BODY = {"requestBody": {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "properties": {"acknowledge_incomplete": {"type": "boolean", "default": False}},
}}}}}


def _acknowledged(request) -> bool:
    """The optional JSON body's acknowledge_incomplete (a bodyless POST, as before, acknowledges nothing)."""
    if request.content_type != "application/json" or not request.body:
        return False
    try:
        body = json.loads(request.body)
    except ValueError:
        raise DomainError(_("请求体不是有效的 JSON。"), code="invalid_json", status=400) from None
    value = body.get("acknowledge_incomplete", False) if isinstance(body, dict) else None
    if not isinstance(value, bool):
        raise DomainError(_("acknowledge_incomplete 必须是 true 或 false。"), code="invalid_request", status=400)
    return value


@router.post(
    "/{int:campaign_id}/units/{unit_code}/submit", response=responses(None, 404, 409, 410), summary="确认报送",
    openapi_extra=SUBMIT_BODY,
    description="还有考核点未填报时，须在请求体中给出 {\"acknowledge_incomplete\": true}；否则返回 409，"
                "error 为 incomplete_submission，empty_points 列出未填报考核点的代码。报送成功后 submitted_incomplete"
                " 与 empty_at_submit 记录报送时的空缺。",
)
def submit(request, campaign_id: Id, unit_code: UnitCode):
    enrollment = enrollment_or_refuse(request.auth, campaign_id, unit_code)
    acknowledge = _acknowledged(request)
    empty = services.submit(enrollment, user=request.auth, acknowledge_incomplete=acknowledge, request=request)
    return {**enrollment_out(enrollment), "empty_points": [cp.code for cp in empty]}


# Each stored type is answered with its own media type (filetypes.MEDIA_TYPES), unknown ones as octet-stream.
_ANY_EVIDENCE_TYPE = {"responses": {200: {"content": {
    media: file_download(media)["responses"][200]["content"][media]
    for media in sorted({*filetypes.MEDIA_TYPES.values(), filetypes.OPAQUE})
}}}}


@evidence_router.get("/{int:evidence_id}/download", response=responses({200: None}, 404),
                     openapi_extra=_ANY_EVIDENCE_TYPE, summary="下载材料（总是作为附件，类型为上传时核验的类型）")
def download(request, evidence_id: Id) -> FileResponse:
    return file_response(request, visible_evidence(request.auth, evidence_id))


@evidence_router.delete("/{int:evidence_id}", response=responses(None, 404, 409, 410), summary="删除材料（软删除，组织单位可恢复）")
def delete(request, evidence_id: Id):
    item = visible_evidence(request.auth, evidence_id)
    services.delete(item, user=request.auth, request=request)
    item.refresh_from_db()
    return evidence_out(item)


@evidence_router.post("/{int:evidence_id}/restore", response=responses(None, 404, 409, 410), summary="恢复已删除的材料（组织单位）")
@api_require(permissions.can_view_deleted_evidence)
def restore(request, evidence_id: Id):
    item = visible_evidence(request.auth, evidence_id)
    services.restore(item, user=request.auth, request=request)
    item.refresh_from_db()
    return evidence_out(item)



# --- Resumable uploads: the tus 1.0.0 protocol (docs/api.md) ------------------------------

UploadId = Annotated[str, Bounded(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")]
UPLOADS_PATH = "/{int:campaign_id}/units/{unit_code}/checkpoints/{checkpoint_code}/uploads"


def _tus_headers(**more: str) -> dict[str, str]:
    return {"Tus-Resumable": resumable.TUS_VERSION, "Cache-Control": "no-store", **more}


def _answer(status: int, **headers: str) -> HttpResponse:
    response = HttpResponse(status=status)
    for name, value in _tus_headers(**headers).items():
        response[name] = value
    return response


def _version(request) -> None:
    """Every tus request names the protocol version (checked after permission, so a refusal names the real reason)."""
    if request.headers.get("Tus-Resumable") != resumable.TUS_VERSION:
        raise DomainError(_("不支持的 tus 协议版本：请求须带 Tus-Resumable: 1.0.0。"), code="tus_version", status=412)


def _tus(handler):
    """Refusals carry the tus headers too."""

    @wraps(handler)
    def wrapped(request, *args, **kwargs):
        try:
            return handler(request, *args, **kwargs)
        except DomainError as exc:
            response = refusal_json(exc)
            for name, value in _tus_headers(**({"Tus-Version": resumable.TUS_VERSION} if exc.status == 412 else {})).items():
                response[name] = value
            if exc.code == "offset_mismatch":
                response["Upload-Offset"] = str(exc.extra.get("offset", 0))
            return response

    return wrapped


def _int_header(request, name: str, *, required: bool = True) -> int:
    value = request.headers.get(name)
    if value is None and not required:
        return 0
    if value is None or not value.isdigit() or len(value) > 18:
        raise DomainError(_("请求头 %(h)s 应为非负整数。") % {"h": name}, code="invalid_header", status=400)
    return int(value)


def _options(campaign_id: int | None = None) -> HttpResponse:
    # The campaign's own file limit where the path names one; the default limit otherwise.
    limit = Campaign.objects.filter(pk=campaign_id).values_list("max_file_bytes", flat=True).first() if campaign_id else None
    return _answer(204, **{"Tus-Version": resumable.TUS_VERSION, "Tus-Extension": resumable.TUS_EXTENSIONS,
                           "Tus-Checksum-Algorithm": ",".join(resumable.CHECKSUMS),
                           "Tus-Max-Size": str(limit or Campaign._meta.get_field("max_file_bytes").default)})


def _state_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(resumable.current_offset(upload)), "Upload-Length": str(upload.length)}
    evidence = resumable.evidence_of(upload)
    if evidence is not None:
        headers |= {"Pinggu-Evidence-Id": str(evidence.pk), "Pinggu-Duplicate": "true" if upload.duplicate else "false"}
    elif upload.completed_at is None:
        headers["Upload-Expires"] = http_date(upload.expires_at.timestamp())
    return headers


@router.api_operation(["OPTIONS"], UPLOADS_PATH, auth=None, response=responses({204: None}, 404), summary="断点续传：协议能力（tus OPTIONS）")
def upload_options(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode):
    return _options(campaign_id)


@router.post(
    UPLOADS_PATH, response=responses({201: None}, 404, 410, 412, 429), summary="断点续传：创建上传（tus creation）",
    description="请求头：Tus-Resumable: 1.0.0、Upload-Length（文件字节数）、Upload-Metadata（filename 必填；可选 sha256"
                "（整个文件的十六进制 SHA-256）与 note，值均为 base64）。返回 201，Location 为 /api/v1/uploads/{upload_id}。"
                "文件大小、类型与配额按普通上传的规则先行检查，完成时再检查一次。",
)
@_tus
def create_upload(request, campaign_id: Id, unit_code: UnitCode, checkpoint_code: CheckpointCode):
    enrollment = enrollment_or_refuse(request.auth, campaign_id, unit_code)
    services.ensure_can_edit(request.auth, enrollment)
    _version(request)
    if request.headers.get("Upload-Defer-Length"):
        raise DomainError(_("须在创建时给出 Upload-Length。"), code="length_required", status=400)
    length = _int_header(request, "Upload-Length")
    metadata = resumable.parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload = resumable.create(enrollment, checkpoint_code, user=request.auth, length=length, metadata=metadata)
    return _answer(201, Location=f"/api/v1/uploads/{upload.id}", **_state_headers(upload))


@uploads_router.api_operation(["HEAD"], "/{upload_id}", response=responses({200: None}, 404, 410, 412),
                              # The first operation of the path names it: limits.CHUNK_VIEWS knows it as api:upload.
                              summary="断点续传：查询已收到的字节数（tus HEAD）", url_name="upload")
@_tus
def upload_offset(request, upload_id: UploadId):
    upload = resumable.find(request.auth, upload_id)
    _version(request)
    resumable.finish_pending(upload, user=request.auth, request=request)
    return _answer(200, **_state_headers(upload))


@uploads_router.api_operation(["OPTIONS"], "/{upload_id}", auth=None, response=responses({204: None}, 404), summary="断点续传：协议能力（tus OPTIONS）")
def upload_resource_options(request, upload_id: UploadId):
    return _options()


@uploads_router.patch(
    "/{upload_id}", response=responses({204: None}, 404, 409, 410, 412, 415, 423, 460),
    summary="断点续传：追加数据（tus PATCH）",
    description="Content-Type: application/offset+octet-stream，Upload-Offset 须等于服务器已收到的字节数（否则 409），"
                "可选 Upload-Checksum（sha1/sha256/md5，base64）。收到最后一个字节后文件经校验成为材料，"
                "响应头 Pinggu-Evidence-Id 为材料编号，Pinggu-Duplicate 表示是否与已有材料相同。",
)
@_tus
def upload_append(request, upload_id: UploadId):
    upload = resumable.find(request.auth, upload_id)
    _version(request)
    length = _int_header(request, "Content-Length", required=False)
    if request.content_type != "application/offset+octet-stream" and length:
        raise DomainError(_("Content-Type 须为 application/offset+octet-stream。"), code="unsupported_media_type", status=415)
    offset = _int_header(request, "Upload-Offset")
    # The body is read from the stream in chunks as it arrives, never as request.body.
    resumable.append(upload, request, offset=offset, content_length=length, checksum=request.headers.get("Upload-Checksum", ""),
                     user=request.auth, request=request)
    return _answer(204, **_state_headers(upload))


@uploads_router.delete("/{upload_id}", response=responses({204: None}, 404, 412), summary="断点续传：取消上传（tus termination）")
@_tus
def upload_terminate(request, upload_id: UploadId):
    upload = resumable.find(request.auth, upload_id)
    _version(request)
    resumable.terminate(upload)
    return _answer(204)
