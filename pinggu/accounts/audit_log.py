"""Reading the audit log: filters shared by the web page, its xlsx export and the API."""

import io
import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from pinggu.frameworks.exports import safe_cell

from .models import AuditEvent

ACTION_LABELS = {
    "login": _("登录"), "logout": _("退出"), "login_failed": _("登录失败"), "lockout": _("账户锁定"), "api_token": _("取得 API 令牌"),
    "password_change": _("修改密码"), "password_reset": _("重置密码"), "account_create": _("新建账户"), "account_disable": _("停用账户"),
    "account_enable": _("启用账户"), "role_change": _("角色变更"), "unit_create": _("新建单位"), "unit_update": _("修改单位"),
    "campaign_create": _("新建任务"), "campaign_update": _("修改任务"), "campaign_state": _("任务状态变更"), "enroll": _("报名参评"),
    "upload": _("上传文件"), "link": _("添加链接"), "note": _("填写说明"), "not_applicable": _("标记不适用"),
    "delete": _("删除材料"), "restore": _("恢复材料"), "download": _("下载材料"), "submit": _("确认报送"), "reopen": _("退回重报"),
    "enrollment_start": _("开始填报"), "notice_mail": _("发送通知邮件"),
    "extension": _("延期"), "framework_import": _("导入指标体系"), "framework_publish": _("发布指标体系"),
    "framework_delete": _("删除指标体系"), "framework_export": _("导出指标体系"), "audit_export": _("导出审计日志"),
    "accounts_export": _("下载账户表"), "evaluator_assign": _("指派评估人员"), "evaluator_unassign": _("取消指派"),
    "units_export": _("导出单位"), "receipt": _("下载报送回执"), "reminder": _("催报"), "reminder_retry": _("重发催报"), "reminder_read": _("已读催报"),
    "export_progress": _("导出进度"), "export_bundle": _("导出材料包"), "export_notice": _("导出通知"), "bundle_build": _("生成材料包"), "attachment_download": _("下载清单附件"),
}


def filtered(*, campaign=None, unit=None, action=None, since=None, until=None):
    events = AuditEvent.objects.select_related("campaign", "unit").order_by("-at", "-id")
    if campaign:
        events = events.filter(campaign_id=campaign)
    if unit:
        events = events.filter(unit__code=unit)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lte=until)
    return events


def as_dict(event):
    return {
        "id": event.pk, "at": timezone.localtime(event.at).isoformat(), "actor": event.actor_name or None, "action": event.action,
        "action_label": str(ACTION_LABELS.get(event.action, event.action)),
        "campaign": event.campaign_id, "unit": event.unit.code if event.unit else None,
        "ip": event.ip, "object_type": event.object_type or None, "object_id": event.object_id or None,
        "details": event.details,
    }


def to_xlsx(events):
    """The filtered log as a workbook, written row by row (write-only mode keeps memory flat)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGH", (20, 14, 14, 24, 18, 16, 60, 10)):
        ws.column_dimensions[col].width = width
    ws.append(["时间", "操作人", "操作", "评估任务", "单位", "IP", "详情", "编号"])
    for e in events.iterator(chunk_size=2000):
        ws.append([
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), safe_cell(e.actor_name),
            str(ACTION_LABELS.get(e.action, e.action)), safe_cell(e.campaign.title if e.campaign else ""),
            safe_cell(e.unit.name if e.unit else ""), e.ip or "",
            safe_cell(json.dumps(e.details, ensure_ascii=False)), e.pk,
        ])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
