"""Labels of the audit actions and detail fields this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions, register_fields

register_actions({
    "export_progress": _("导出进度"), "export_bundle": _("导出材料包"), "export_notice": _("导出通知"), "bundle_build": _("生成材料包"),
    "export_scores": _("导出评估得分"), "export_report": _("导出评估报告"), "export_reports": _("导出全部评估报告"),
    "export_summary": _("导出评估结果汇总"), "export_job_start": _("在后台生成评估结果文件"),
})

register_fields({"prebuilt": _("预先生成"), "size": _("大小（字节）"), "document": _("导出文件"), "job": _("后台生成编号"),
                 "reused": _("沿用已生成的文件")},
                {"document": {"reports_zip": _("全部单位评估报告（ZIP）"), "summary_docx": _("评估结果汇总（Word）"),
                              "scores_xlsx": _("评估得分（Excel）")}})
