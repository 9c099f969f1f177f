"""Reviews (评估): a verdict and score per point and stage, its deductions, phrases, the results' publication
state, and the rounds of 退回补充."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pinggu.campaigns.models import Campaign, Enrollment
from pinggu.frameworks.models import Checkpoint
from pinggu.textlimits import REASON


class Stage(models.TextChoices):
    FIRST = "first", _("初评")
    SECOND = "second", _("复核")


class Verdict(models.TextChoices):
    PASS = "pass", _("符合")
    PARTIAL = "partial", _("部分符合")
    FAIL = "fail", _("不符合")
    NOT_APPLICABLE = "not_applicable", _("不适用")


class Review(models.Model):
    """One evaluator's judgement of one point of one unit, at one stage. The 复核 (second) review, where there is
    one, is the one that counts; both are kept."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="reviews")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("阶段"), max_length=8, choices=Stage.choices, default=Stage.FIRST)
    verdict = models.CharField(_("结论"), max_length=16, choices=Verdict.choices)
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("失分原因"), max_length=2000, blank=True)
    comment = models.TextField(_("内部意见"), max_length=2000, blank=True)  # never shown to units
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["enrollment", "checkpoint__position", "stage"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "checkpoint", "stage"], name="review_once_per_stage")]


class Deduction(models.Model):
    """A deduction of a review: a rule of the point (its 0-based index) times a count, or free text with points."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="deductions")
    position = models.PositiveSmallIntegerField(default=0)
    rule = models.PositiveSmallIntegerField(_("扣分规则"), null=True, blank=True)
    text = models.CharField(_("扣分事项"), max_length=500)
    count = models.PositiveIntegerField(_("次数"), default=1)
    points = models.DecimalField(_("每次扣分"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["review", "position"]


class ReasonPhrase(models.Model):
    """A 失分原因 an evaluator saved to reuse."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reason_phrases")
    text = models.CharField(_("常用语"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "text"], name="phrase_once")]


class Results(models.Model):
    """The results of a campaign: locked (no score changes) and when and how they were published. Whether they
    are published now is the campaign's state (`published`), the one rule for it."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="results")
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ranking_published = models.BooleanField(_("公布排名"), default=False)



class ReturnRound(models.Model):
    """A 退回补充 round: chosen points reopened for the unit with a reason and a due time."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="return_rounds")
    number = models.PositiveSmallIntegerField(_("轮次"))
    checkpoints = models.ManyToManyField(Checkpoint, related_name="+")
    reason = models.CharField(_("退回原因"), max_length=REASON)
    due = models.DateTimeField(_("补充截止时间"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resubmitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrollment", "number"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "number"], name="return_round_once")]
