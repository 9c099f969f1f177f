from django.apps import AppConfig


class OversightConfig(AppConfig):
    """Progress, the matrix and reminders: they count evidence, so they sit above evidence (docs/architecture.md)."""

    name = "pinggu.oversight"
    label = "oversight"

    def ready(self):
        from . import audit_labels  # noqa: F401  (labels of the audit actions this app records)
