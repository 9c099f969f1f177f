"""Labels of the audit actions and detail fields this app records (see audit.register_actions)."""

from django.utils.translation import gettext_lazy as _

from .audit import register_actions, register_fields
from .models import Role

register_actions({
    "login": _("登录"), "logout": _("退出"), "login_failed": _("登录失败"), "lockout": _("账户锁定"), "api_token": _("取得 API 令牌"),
    "api_token_revoke": _("撤销 API 令牌"), "password_change": _("修改密码"), "password_reset": _("重置密码"),
    "account_create": _("新建账户"), "account_disable": _("停用账户"), "account_enable": _("启用账户"), "role_change": _("角色变更"),
    "audit_export": _("导出审计日志"), "accounts_export": _("下载账户表"),
})

register_fields(
    {
        "via": _("途径"), "username": _("用户名"), "role": _("角色"), "unit": _("单位"), "tokens": _("令牌数"),
        "must_change_password": _("须修改密码"), "before": _("之前"), "after": _("之后"), "filters": _("筛选条件"),
        "campaign": _("评估任务"), "action": _("操作"), "since": _("从"), "until": _("到"), "format": _("格式"),
    },
    values={"via": {"web": _("网页"), "api": "API", "preview": _("预览")}, "role": dict(Role.choices)},
)
