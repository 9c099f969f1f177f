"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

register_actions({"orphan_remove": _("删除无记录的文件")})

register_fields({"key": _("存储位置"), "age_hours": _("存在时长（小时）")})
