from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "pinggu.site"
    label = "site"
    verbose_name = "Pinggu"

    def ready(self):
        from pinggu import textlimits

        textlimits.connect()
