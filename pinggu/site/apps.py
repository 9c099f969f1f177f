from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "pinggu.site"
    label = "site"
    verbose_name = "Pinggu"

    def ready(self):
        from pinggu import textlimits

        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)

        textlimits.connect()
