from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# UnitKind moved to pinggu.units; still importable from here.
from pinggu.units.models import DEFAULT_UNIT_KINDS, UnitKind, UnitKindQuerySet  # noqa: F401


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ScoringMode(models.TextChoices):
    NONE = "none", _("不计分")
    POINTS = "points", _("分值制")
    WEIGHTS = "weights", _("权重制")


class Sampling(models.TextChoices):
    MATERIAL = "material", _("材料")
    WEBSITE = "website", _("网站检查")
    OTHER = "other", _("其他")


class FrameworkQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def latest_versions(self):
        newer = self.model.objects.alive().filter(code=models.OuterRef("code"), version__gt=models.OuterRef("version"))
        return self.alive().exclude(models.Exists(newer))


class Framework(models.Model):
    """One version of an indicator checklist (指标体系). Published versions never change."""

    code = models.SlugField(_("代码"), max_length=60)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    unit_kind = models.ForeignKey(UnitKind, on_delete=models.PROTECT, verbose_name=_("适用单位类型"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    scoring_mode = models.CharField(_("计分方式"), max_length=16, choices=ScoringMode.choices, default=ScoringMode.NONE)
    total_points = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, default=100)
    grade_bands = models.JSONField(_("等次"), default=list, blank=True)
    # 加分项 add on top of the total up to this many points (none: uncapped).
    bonus_cap = models.DecimalField(_("加分上限"), max_digits=8, decimal_places=2, null=True, blank=True)
    level_names = models.JSONField(_("层级名称"), default=list, blank=True)
    description = models.TextField(_("说明"), max_length=5000, blank=True)
    source_name = models.CharField(_("导入文件"), max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")]
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED


class Indicator(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("编号"), max_length=40)
    numbering = models.CharField(_("序号"), max_length=20, blank=True)
    title = models.TextField(_("名称"), max_length=500)
    level = models.PositiveSmallIntegerField(_("层级"))
    position = models.PositiveIntegerField(help_text="order in a depth-first walk of the whole tree")
    weight = models.DecimalField(_("权重(%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    deduction_cap = models.DecimalField(_("扣分上限"), max_digits=8, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("说明"), max_length=5000, blank=True)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique")]

    def __str__(self):
        return f"{self.numbering}{self.title}"


class Checkpoint(models.Model):
    """An assessment point (考核点): what a unit must prove with evidence."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="checkpoints")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="checkpoints")
    code = models.CharField(_("编号"), max_length=40)
    position = models.PositiveIntegerField()
    text = models.TextField(_("考核点"), max_length=2000)
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2, null=True, blank=True)
    weight = models.DecimalField(_("权重(%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    sampling = models.CharField(_("采样方式"), max_length=16, choices=Sampling.choices, default=Sampling.MATERIAL)
    hint = models.TextField(_("印证材料说明"), max_length=2000, blank=True)
    deduction_rules = models.JSONField(_("扣分规则"), default=list, blank=True)
    is_bonus = models.BooleanField(_("加分项"), default=False)
    is_veto = models.BooleanField(_("单项否决"), default=False)

    class Meta:
        ordering = ["framework", "position"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="checkpoint_code_unique")]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"
