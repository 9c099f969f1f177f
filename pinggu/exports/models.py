from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class ExportKind(models.TextChoices):
    """What a background export job builds; a new kind also needs an entry in exports.jobs.KINDS."""

    REPORTS_ZIP = "reports_zip", _("全部单位评估报告（ZIP）")
    SUMMARY_DOCX = "summary_docx", _("评估结果汇总（Word）")
    SCORES_XLSX = "scores_xlsx", _("评估得分（Excel）")


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class ExportJob(models.Model):
    """A result export built by the task worker for one person: the file holds the units its requester may see,
    so only the requester (or an organizer, who sees every unit) downloads it. `done`/`total` are its progress."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="export_jobs")
    kind = models.CharField(max_length=32, choices=ExportKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A hash of everything the file shows, written when it is built: a later request for the same content reuses it.
    signature = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)  # the exception, for the administrator
    message = models.CharField(max_length=500, blank=True)  # what the person is told when a rule refused the build
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["campaign", "kind", "requested_by"], name="export_job_lookup")]

    @property
    def active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def percent(self) -> int:
        if self.state == JobState.READY:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
