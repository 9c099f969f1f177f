from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworksConfig(AppConfig):
    name = "pinggu.frameworks"
    label = "frameworks"
    verbose_name = _("指标体系")

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
