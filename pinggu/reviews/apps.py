from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "pinggu.reviews"
    label = "reviews"
    verbose_name = _("评估")

    def ready(self):
        from pinggu.campaigns.services import register_open_round_finder
        from pinggu.campaigns.signals import enrollment_state_changed

        from . import (
            audit_labels,  # noqa: F401  (labels of the audit actions this app records)
            returns,
        )

        # The write window lives below this app; the return rounds it must honour live here.
        register_open_round_finder(returns.open_round)
        enrollment_state_changed.connect(returns.close_round_on_resubmit, dispatch_uid="reviews_close_round")
