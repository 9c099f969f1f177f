"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

from .models import Stage, Verdict

register_actions({"review": _("评分"), "review_change": _("修改评分"), "results_lock": _("锁定评估结果"),
                  "results_unlock": _("解除锁定评估结果"), "results_publish": _("发布评估结果"),
                  "return_round": _("退回补充")})
register_actions({"objection": _("提出异议"), "objection_upheld": _("采纳异议"), "objection_rejected": _("不采纳异议"),
                  "rectification": _("填写整改情况"), "rectification_remind": _("提醒整改")})

register_fields(
    {"checkpoint": _("考核点"), "stage": _("阶段"), "verdict": _("结论"), "score": _("得分"),
     "previous_score": _("原得分"), "previous_reason": _("原失分原因"), "deductions": _("扣分"), "ranking": _("公布排名"), "forced": _("强制发布"),
     "reply": _("答复"), "done": _("已完成"), "measures": _("整改措施"),
     "round": _("轮次"), "checkpoints": _("考核点"), "due": _("补充截止时间")},
    values={"stage": dict(Stage.choices), "verdict": dict(Verdict.choices)},
)
