"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

from .models import ResponseStatus

register_actions({
    "upload": _("上传文件"), "link": _("添加链接"), "note": _("填写说明"), "not_applicable": _("标记不适用"),
    "delete": _("删除材料"), "restore": _("恢复材料"), "download": _("下载材料"), "submit": _("确认报送"), "receipt": _("下载报送回执"),
    "point_status": _("考核点状态变更"),
})

register_fields(
    {
        "checkpoint": _("考核点"), "filename": _("文件名"), "size": _("大小（字节）"), "sha256": "SHA-256", "url": _("链接"),
        "status": _("状态"), "note": _("说明"), "before_status": _("原状态"), "before_note": _("原说明"), "empty_points": _("未填报的考核点"),
        "empty_count": _("未填报考核点数"), "number": _("回执编号"),
    },
    values={"status": dict(ResponseStatus.choices), "before_status": dict(ResponseStatus.choices)},
)
