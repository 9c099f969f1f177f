from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinggu.frameworks.models import Framework
from pinggu.textlimits import REASON

# Unit and its order moved to pinggu.units; still importable from here, where campaigns code reaches them.
from pinggu.units.models import (  # noqa: F401
    MAX_SORT_KEY,
    PINYIN_MAX,
    Unit,
    UnitKind,
    UnitQuerySet,
    pinyin_key,
    unit_ordering,
    unit_sort_key,
)


class CampaignState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("报送中")
    CLOSED = "closed", _("已截止")
    REVIEWING = "reviewing", _("评估中")
    PUBLISHED = "published", _("已发布结果")


class Campaign(models.Model):
    """An evaluation campaign (评估任务): one notice, one deadline, many units."""

    title = models.CharField(_("标题"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    basis = models.CharField(_("依据文件"), max_length=200, blank=True, help_text=_("如 榆政办函〔2020〕203号"))
    issuer = models.CharField(_("发文单位"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    notice = models.TextField(_("通知正文"), max_length=20000, blank=True, help_text=_("支持 Markdown"))
    opens_at = models.DateTimeField(_("开始报送时间"))
    deadline = models.DateTimeField(_("报送截止时间"))
    state = models.CharField(_("状态"), max_length=16, choices=CampaignState.choices, default=CampaignState.DRAFT)
    max_file_bytes = models.BigIntegerField(_("单个文件上限（字节）"), default=200 * 1024 * 1024)
    unit_quota_bytes = models.BigIntegerField(_("每单位总量上限（字节）"), default=2 * 1024 * 1024 * 1024)
    objection_days = models.PositiveSmallIntegerField(_("异议期（天）"), default=5,
                                                      help_text=_("结果发布后单位可提出异议的天数"))
    # The campaign this one was copied from (year over year): results compare with it.
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
                                    verbose_name=_("复制自"))
    frameworks = models.ManyToManyField(Framework, through="CampaignFramework", related_name="campaigns")
    units = models.ManyToManyField(Unit, through="Enrollment", related_name="campaigns")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("评估任务")
        verbose_name_plural = _("评估任务")

    def __str__(self):
        return self.title

    @property
    def contact_line(self):
        return " ".join(x for x in (self.contact_name, self.contact_phone, self.contact_email) if x)


class CampaignFramework(models.Model):
    """Which checklist a campaign uses for each kind of unit."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="framework_links")
    unit_kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="campaign_uses")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "unit_kind"], name="one_framework_per_kind")]


class EnrollmentState(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("填报中")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")


class Enrollment(models.Model):
    """A unit taking part in a campaign: its workspace, state and deadline."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="enrollments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="enrollments")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=EnrollmentState.choices, default=EnrollmentState.NOT_STARTED)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # How many points were empty at the last submission (0: complete); None before any submission.
    empty_at_submit = models.PositiveIntegerField(_("报送时空缺考核点数"), null=True, blank=True)
    # The last return (退回): kept after resubmission as history; the state says whether it is in force.
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("退回人"))
    return_reason = models.CharField(_("退回原因"), max_length=REASON, blank=True)
    extended_deadline = models.DateTimeField(_("延期至"), null=True, blank=True)
    extension_reason = models.CharField(_("延期原因"), max_length=500, blank=True)
    extended_at = models.DateTimeField(_("延期时间"), null=True, blank=True)
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("延期批准人"))
    bytes_used = models.BigIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = unit_ordering("unit__")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="enroll_once")]

    def __str__(self):
        return f"{self.unit} @ {self.campaign}"

    @property
    def submitted_incomplete(self):
        return self.state == EnrollmentState.SUBMITTED and bool(self.empty_at_submit)

    @property
    def extension_in_force(self):
        """An extension that moves this unit's deadline beyond the campaign's."""
        return bool(self.extended_deadline and self.extended_deadline > self.campaign.deadline)

    @property
    def effective_deadline(self):
        if self.extended_deadline and self.extended_deadline > self.campaign.deadline:
            return self.extended_deadline
        return self.campaign.deadline


class EvaluatorRole(models.TextChoices):
    FIRST = "first", _("初评")
    SECOND = "second", _("复核")


class EvaluatorAssignment(models.Model):
    """An evaluator's reach in a campaign: one unit, or every unit when unit is empty; as the first evaluator
    or as the second (复核), whose score is the one that counts."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)
    role = models.CharField(_("角色"), max_length=8, choices=EvaluatorRole.choices, default=EvaluatorRole.FIRST)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user", "unit"], name="assign_once")]


class ReminderBatch(models.Model):
    """One 催报: a message sent to a selection of units, e-mailed in the background."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminder_batches")
    message = models.TextField(_("催报内容"), max_length=2000)
    selection = models.CharField(_("选择方式"), max_length=40, blank=True)
    forced = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    NO_EMAIL = "no_email", _("无邮箱（仅站内提醒）")
    SKIPPED = "skipped", _("免打扰期内，未重复催报")


class Reminder(models.Model):
    batch = models.ForeignKey(ReminderBatch, on_delete=models.CASCADE, related_name="reminders")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="reminders")
    status = models.CharField(max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING)
    emailed_to = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = unit_ordering("enrollment__unit__")
