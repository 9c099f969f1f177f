from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinggu.campaigns.models import Enrollment
from pinggu.frameworks.models import Checkpoint


class ResponseStatus(models.TextChoices):
    EMPTY = "empty", _("未填报")
    DONE = "done", _("已填报")
    NOT_APPLICABLE = "not_applicable", _("不适用")
    RETURNED = "returned", _("已退回")


# What counts as answered, everywhere a point is counted: material or a 说明 (done), or a
# reasoned 不适用. A point returned for supplement is not answered until the unit answers it again.
ANSWERED_STATUSES = frozenset({ResponseStatus.DONE, ResponseStatus.NOT_APPLICABLE})


class Response(models.Model):
    """A unit's answer to one assessment point: status, explanation (说明) or 不适用 reason."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="responses")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.EMPTY)
    note = models.TextField(_("说明"), max_length=5000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "checkpoint"], name="one_response_per_point")]


def _storage_name(instance, filename):
    # Never a path from the user: the caller passes a generated name.
    return filename


class EvidenceKind(models.TextChoices):
    FILE = "file", _("文件")
    LINK = "link", _("网页链接")


class EvidenceQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Evidence(models.Model):
    """One piece of evidence: an uploaded file or a web link. Never overwritten; deletes are soft."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=8, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=_storage_name, max_length=255, blank=True)
    filename = models.CharField(_("原文件名"), max_length=400, blank=True)
    file_type = models.CharField(_("文件类型"), max_length=16, blank=True)
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    crc32 = models.BigIntegerField(null=True, blank=True)
    url = models.URLField(_("网址"), max_length=2000, blank=True)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("印证材料")
        verbose_name_plural = _("印证材料")


class Upload(models.Model):
    """A resumable (tus) upload in progress: its bytes so far live in UPLOADS_DIR/<id>, not in storage.

    `offset` only ever counts bytes already fsync'ed to that file, so after a crash the file may be
    longer than `offset` (the excess is cut off on the next write), never shorter unless the file is
    lost. It becomes an Evidence row (through services.add_file) only once complete and verified.
    """

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=400)
    note = models.TextField(max_length=2000, blank=True)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    # CRC-32 of the first `offset` bytes: it resumes from its value alone. SHA-256 cannot be
    # resumed from a stored value, so its state lives in the process (see evidence.resumable).
    crc32 = models.BigIntegerField(default=0)
    expected_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    duplicate = models.BooleanField(default=False)
