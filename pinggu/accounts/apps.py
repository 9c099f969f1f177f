from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "pinggu.accounts"
    label = "accounts"
    verbose_name = _("账户与审计")

    def ready(self):
        from . import audit_labels, signals  # noqa: F401  (audit labels; connects login/logout audit)
