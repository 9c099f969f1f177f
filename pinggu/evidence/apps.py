from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "pinggu.evidence"
    label = "evidence"
    verbose_name = _("印证材料")

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
