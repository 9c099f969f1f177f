from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _create_bucket(sender, **kwargs):
    """`pinggu migrate` prepares object storage too: the evidence bucket is created when missing."""
    from pinggu import storage

    from .models import Evidence

    storage.ensure_bucket(Evidence._meta.get_field("file").storage)


class EvidenceConfig(AppConfig):
    name = "pinggu.evidence"
    label = "evidence"
    verbose_name = _("印证材料")

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
        post_migrate.connect(_create_bucket, sender=self, dispatch_uid="pinggu-create-bucket")
