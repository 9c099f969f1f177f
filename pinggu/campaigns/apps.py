from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "pinggu.campaigns"
    label = "campaigns"
    verbose_name = _("评估任务")

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
