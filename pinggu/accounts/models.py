import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ORGANIZER = "organizer", _("组织单位")
    SUBMITTER = "submitter", _("填报人")
    EVALUATOR = "evaluator", _("评估人员")
    VIEWER = "viewer", _("领导（只读）")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    must_change_password = models.BooleanField(_("首次登录须改密码"), default=False)
    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="users", verbose_name=_("所属单位")
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username


def _hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """Bearer token for /api/v1. Only a hash is stored; the raw token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = ApiTokenQuerySet.as_manager()

    @classmethod
    def issue(cls, user, hours=None):
        raw = secrets.token_urlsafe(32)
        hours = hours or settings.API_TOKEN_HOURS
        token = cls.objects.create(
            user=user,
            key_hash=_hash_token(raw),
            expires_at=timezone.now() + timezone.timedelta(hours=hours),
        )
        return raw, token

    @classmethod
    def lookup(cls, raw):
        return cls.objects.active().select_related("user").filter(key_hash=_hash_token(raw)).first()


class AuditEvent(models.Model):
    """Append-only record of every change of state and every sensitive read."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept apart from the FK so the record survives renames and deletions.
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    campaign = models.ForeignKey("campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计日志")

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("audit events are append-only")

    @property
    def label(self):
        from .audit import action_label

        return action_label(self.action)

    @property
    def details_text(self):
        from .audit import detail_text

        return detail_text(self.details)
