from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "pinggu.reviews"
    label = "reviews"
    verbose_name = _("评估")

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
