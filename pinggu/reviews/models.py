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


class ObjectionState(models.TextChoices):
    PENDING = "pending", _("待答复")
    UPHELD = "upheld", _("已采纳")
    REJECTED = "rejected", _("未采纳")


class Objection(models.Model):
    """A unit's 异议 to the score of one point, within the campaign's window after publication, and the answer."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="objections")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("异议理由"), max_length=2000)
    url = models.URLField(_("佐证链接"), max_length=1000, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ObjectionState.choices, default=ObjectionState.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reply = models.TextField(_("答复"), max_length=2000, blank=True)
    previous_score = models.DecimalField(_("原得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(_("新得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["enrollment", "-created_at"]


class Rectification(models.Model):
    """The unit's 整改 of one point that lost score: its measures and whether it is done."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="rectifications")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+")
    measures = models.TextField(_("整改措施"), max_length=2000, blank=True)
    url = models.URLField(_("佐证链接"), max_length=1000, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["enrollment", "checkpoint__position"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "checkpoint"], name="rectify_once")]


class RectificationNotice(models.Model):
    """The organizer's reminder to a unit to finish its 整改, shown on the unit's results page."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="rectification_notices")
    message = models.TextField(_("提醒内容"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["enrollment", "-created_at"]
