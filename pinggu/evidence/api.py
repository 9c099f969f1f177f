import json

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from pinggu.accounts import permissions
from pinggu.accounts.decorators import api_require
from pinggu.api_types import CheckpointCode, Id, UnitCode, file_download, responses
from pinggu.campaigns.lookups import enrollment_or_refuse
from pinggu.campaigns.serializers import enrollment_out
from pinggu.campaigns.services import iso_local
from pinggu.errors import DomainError
from pinggu.frameworks.tree import IndicatorNode, PointNode
from pinggu.textlimits import max_length

from . import filetypes, services
from .downloads import file_response, visible_evidence
from .models import Response

router = Router(tags=["evidence"])
evidence_router = Router(tags=["evidence"])


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

