"""Reading the audit log: filters shared by the web page, its xlsx export and the API."""

from django.utils import timezone

from .models import AuditEvent

ACTION_LABELS = {
    "login": "登录", "logout": "退出", "login_failed": "登录失败", "lockout": "账户锁定", "api_token": "取得 API 令牌",
    "password_change": "修改密码", "password_reset": "重置密码", "account_create": "新建账户", "account_disable": "停用账户",
    "account_enable": "启用账户", "role_change": "角色变更", "unit_create": "新建单位", "unit_update": "修改单位",
    "campaign_create": "新建任务", "campaign_update": "修改任务", "campaign_state": "任务状态变更", "enroll": "报名参评",
    "unenroll": "取消参评", "upload": "上传文件", "link": "添加链接", "note": "填写说明", "not_applicable": "标记不适用",
    "delete": "删除材料", "restore": "恢复材料", "download": "下载材料", "submit": "确认报送", "reopen": "退回重报",
    "extension": "延期", "framework_import": "导入指标体系", "framework_publish": "发布指标体系",
    "framework_delete": "删除指标体系", "framework_export": "导出指标体系", "audit_export": "导出审计日志",
    "accounts_export": "下载账户表", "evaluator_assign": "指派评估人员", "evaluator_unassign": "取消指派",
    "units_export": "导出单位", "reminder": "催报", "reminder_retry": "重发催报", "reminder_read": "已读催报",
    "export_progress": "导出进度", "export_bundle": "导出材料包", "export_notice": "导出通知", "bundle_build": "生成材料包", "attachment_download": "下载清单附件",
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
        "action_label": ACTION_LABELS.get(event.action, event.action),
        "campaign": event.campaign_id, "unit": event.unit.code if event.unit else None,
        "ip": event.ip, "object_type": event.object_type or None, "object_id": event.object_id or None,
        "details": event.details,
    }


def to_xlsx(events):
    """The filtered log as a workbook, written row by row (write-only mode keeps memory flat)."""
    import io
    import json

    from openpyxl import Workbook

    from pinggu.frameworks.exports import safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGH", (20, 14, 14, 24, 18, 16, 60, 10)):
        ws.column_dimensions[col].width = width
    ws.append(["时间", "操作人", "操作", "评估任务", "单位", "IP", "详情", "编号"])
    for e in events.iterator(chunk_size=2000):
        ws.append([
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), safe_cell(e.actor_name),
            ACTION_LABELS.get(e.action, e.action), safe_cell(e.campaign.title if e.campaign else ""),
            safe_cell(e.unit.name if e.unit else ""), e.ip or "",
            safe_cell(json.dumps(e.details, ensure_ascii=False)), e.pk,
        ])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
