from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(sender, using="default", **kwargs):
    """`pinggu migrate` creates the database cache's table (nothing to do when the cache is Redis).

    On every migrate, not in a migration: an instance that moves from Redis to the database cache gets its table too.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class SiteConfig(AppConfig):
    name = "pinggu.site"
    label = "site"
    verbose_name = "Pinggu"

    def ready(self):
        from pinggu import textlimits

        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)

        textlimits.connect()
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="pinggu-create-cache-table")
