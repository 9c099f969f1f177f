from django.db import models
from django.utils import timezone

from pinggu.campaigns.models import Campaign


class BundleStatus(models.TextChoices):
    BUILDING = "building", "生成中"
    READY = "ready", "已生成"
    FAILED = "failed", "生成失败"


class Bundle(models.Model):
    """A whole-campaign evidence ZIP built ahead of time and kept in storage, so it can be resumed (HTTP Range)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="bundles")
    signature = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=BundleStatus.choices, default=BundleStatus.BUILDING)
    file = models.FileField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["campaign", "signature"], name="one_bundle_per_state")]
