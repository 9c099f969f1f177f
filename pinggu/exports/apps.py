from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "pinggu.exports"
    label = "exports"
    verbose_name = _("导出")

    def ready(self):
        from pinggu.campaigns.signals import campaign_state_changed

        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
        from .prebuilt import build_after_close

        campaign_state_changed.connect(build_after_close, dispatch_uid="exports.build_after_close")
