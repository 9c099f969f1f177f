"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

from .models import Status

register_actions({
    "framework_import": _("导入指标体系"), "framework_publish": _("发布指标体系"), "framework_delete": _("删除指标体系"),
    "framework_export": _("导出指标体系"), "unit_kind_create": _("新建单位类型"),
})

register_fields({"version": _("版本"), "source": _("来源文件")}, values={"status": dict(Status.choices)})
