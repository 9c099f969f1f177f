"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

from .models import CampaignState, EnrollmentState, EvaluatorRole

register_actions({
    "unit_create": _("新建单位"), "unit_update": _("修改单位"), "units_export": _("导出单位"),
    "campaign_create": _("新建任务"), "campaign_update": _("修改任务"), "campaign_state": _("任务状态变更"), "enroll": _("报名参评"),
    "reopen": _("退回重报"), "extension": _("延期"), "evaluator_assign": _("指派评估人员"), "evaluator_unassign": _("取消指派"),
    "enrollment_start": _("开始填报"), "notice_mail": _("发送通知邮件"), "reminder_read": _("已读催报"), "attachment_download": _("下载清单附件"),
    "campaign_copy": _("复制任务"),
})

register_fields(
    {
        "name": _("名称"), "code": _("代码"), "changed": _("修改的字段"), "title": _("标题"), "unit_name": _("单位名称"),
        "reason": _("原因"), "deadline": _("截止时间"), "evaluator": _("评估人员"), "scope": _("范围"), "role": _("角色"), "units": _("单位"),
        "skipped": _("跳过"), "selection": _("选择"), "message": _("内容"), "kind": _("单位类型"), "copied_from": _("复制自"),
        "notice": _("通知"), "emailed_to": _("收件人"), "mail": _("发送结果"), "error": _("错误"),
    },
    values={
        "before": {**dict(CampaignState.choices), **dict(EnrollmentState.choices)},
        "after": {**dict(CampaignState.choices), **dict(EnrollmentState.choices)},
        "scope": {"all": _("全部单位")},
        "role": dict(EvaluatorRole.choices),
        "notice": {"return": _("退回"), "extension": _("延期")},
        "mail": {"sent": _("已发送"), "no_email": _("无邮箱"), "failed": _("发送失败")},
    },
)
