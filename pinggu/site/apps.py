from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_bucket(sender, **kwargs):
    """`pinggu migrate` prepares object storage too: the bucket is created when missing."""
    from django.core.files.storage import default_storage

    from pinggu import storage

    storage.ensure_bucket(default_storage)


class SiteConfig(AppConfig):
    name = "pinggu.site"
    label = "site"
    verbose_name = "Pinggu"

    def ready(self):
        from pinggu import textlimits

        textlimits.connect()
        post_migrate.connect(_create_bucket, sender=self, dispatch_uid="pinggu-create-bucket")
