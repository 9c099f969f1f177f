from typing import Optional

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from pinggu.accounts import permissions
from pinggu.accounts.decorators import api_require
from pinggu.api_types import FrameworkCode, Version, responses
from pinggu.errors import DomainError

from . import importing, services

router = Router(tags=["frameworks"])


class FrameworkSummary(Schema):
    code: str
    name: str
    year: int
    unit_kind: str
    version: int
    status: str
    checkpoint_count: int



@router.get("", response=responses({200: list[FrameworkSummary]}), summary="指标体系列表（每个代码的最新版本）")
@api_require(permissions.can_view_frameworks)
def list_frameworks(request, all_versions: bool = False):
    return [
        {
            "code": fw.code, "name": fw.name, "year": fw.year, "unit_kind": fw.unit_kind.code,
            "version": fw.version, "status": fw.status, "checkpoint_count": fw.checkpoint_count,
        }
        for fw in services.frameworks_for_listing(include_all_versions=all_versions)
    ]


@router.post("/import", response=responses({201: dict}, 409), summary="导入指标体系（xlsx、docx、yaml 或 json）")
@api_require(permissions.can_manage_frameworks)
def import_framework(
    request,
    file: UploadedFile = File(...),
    sheet: Optional[str] = Form(None),
    code: Optional[str] = Form(None),
    name: Optional[str] = Form(None),
    year: Optional[int] = Form(None),
    unit_kind: Optional[str] = Form(None),
    normalise_punctuation: bool = Form(True),
    accept_points_mismatch: bool = Form(False),
):
    """`normalise_punctuation` (on by default) turns the half-width punctuation of Chinese text into full-width.
    A 分值制 framework whose points do not add up to its total is refused (`points_mismatch`) unless
    `accept_points_mismatch`; the answer's `warnings` list what was accepted and every cell left out."""
    importing.ensure_size(file.size or 0)
    defaults = {"code": code, "name": name, "year": year, "unit_kind": unit_kind}
    datas = importing.read(file.name, file, sheet=sheet, defaults=defaults, normalise=normalise_punctuation,
                           accept_points_mismatch=accept_points_mismatch)
    frameworks = importing.store(datas, user=request.auth, request=request, source_name=file.name)
    body = services.to_dict(frameworks[0], rule_ids=True)
    body["imported"] = [{"code": fw.code, "version": fw.version, "name": fw.name} for fw in frameworks]
    body["warnings"] = datas.warnings
    return Status(201, body)


@router.get("/{code}", response=responses(None, 404), summary="指标体系详情（树形）")
@api_require(permissions.can_view_frameworks)
def get_framework(request, code: FrameworkCode, version: Optional[Version] = None):
    framework = services.get_framework(code, version)
    if framework is None:
        raise DomainError(_("指标体系“%(c)s”不存在。") % {"c": code}, code="not_found", status=404)
    return services.to_dict(framework, rule_ids=True)
