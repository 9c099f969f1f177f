from typing import Optional

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from pinggu.accounts import permissions
from pinggu.api_types import FrameworkCode, Version, responses
from pinggu.errors import ApiError

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


def _require(allowed):
    if not allowed:
        raise ApiError(403, "forbidden", _("没有权限执行此操作。"))


@router.get("", response=responses({200: list[FrameworkSummary]}), summary="指标体系列表（每个代码的最新版本）")
def list_frameworks(request, all_versions: bool = False):
    _require(permissions.can_view_frameworks(request.auth))
    return [
        {
            "code": fw.code, "name": fw.name, "year": fw.year, "unit_kind": fw.unit_kind.code,
            "version": fw.version, "status": fw.status, "checkpoint_count": fw.checkpoint_count,
        }
        for fw in services.frameworks_for_listing(include_all_versions=all_versions)
    ]


@router.post("/import", response=responses({201: dict}, 409), summary="导入指标体系（xlsx、docx、yaml 或 json）")
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
    _require(permissions.can_manage_frameworks(request.auth))
    if file.size > settings.FRAMEWORK_IMPORT_MAX_BYTES:
        raise ApiError(400, "too_large", _("文件过大。"), errors=[{"sheet": None, "row": None, "column": None, "message": _("文件过大。")}])
    defaults = {"code": code, "name": name, "year": year, "unit_kind": unit_kind}
    try:
        datas = importing.read(file.name, file, sheet=sheet, defaults=defaults, normalise=normalise_punctuation,
                               accept_points_mismatch=accept_points_mismatch)
        frameworks = importing.store(datas, user=request.auth, request=request, source_name=file.name)
    except services.FrameworkError as exc:
        raise ApiError(400, exc.code, exc.message, errors=exc.problems) from None
    body = services.to_dict(frameworks[0], rule_ids=True)
    body["imported"] = [{"code": fw.code, "version": fw.version, "name": fw.name} for fw in frameworks]
    body["warnings"] = datas.warnings
    return Status(201, body)


@router.get("/{code}", response=responses(None, 404), summary="指标体系详情（树形）")
def get_framework(request, code: FrameworkCode, version: Optional[Version] = None):
    _require(permissions.can_view_frameworks(request.auth))
    framework = services.get_framework(code, version)
    if framework is None:
        raise ApiError(404, "not_found", _("指标体系“%(c)s”不存在。") % {"c": code})
    return services.to_dict(framework, rule_ids=True)
