from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pinggu.accounts"
    label = "accounts"
    verbose_name = _("账户与审计")

    def ready(self):
        from . import signals  # noqa: F401  (connects login/logout audit)
