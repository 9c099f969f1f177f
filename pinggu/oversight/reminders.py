"""催报: remind units that have not submitted, in the workspace and by e-mail.

The organizer picks units (by hand, "all not submitted" or "all with empty
points"); each gets a Reminder shown at the top of its workspace until read,
and an e-mail to the unit's contact and its submitters, sent by a background
task. A unit reminded within the quiet period is skipped unless forced.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pinggu.accounts.audit import record
from pinggu.campaigns.models import EnrollmentState, Reminder, ReminderBatch, ReminderStatus
from pinggu.campaigns.notices import unit_addresses
from pinggu.campaigns.services import CampaignError
from pinggu.evidence.selectors import progress_for_many
from pinggu.lib.address import login_url
from pinggu.lib.dates import local_datetime

from .tasks import send_reminders

FILTERS = {
    "not_submitted": gettext_lazy("所有未报送的单位"),
    "has_empty": gettext_lazy("所有还有空缺考核点的单位"),
}


def default_message(campaign):
    return _(
        "请抓紧报送“%(title)s”的印证材料，截止时间为 %(deadline)s。尚未完成的考核点请尽快上传材料或说明；确实不适用的请标记“不适用”并写明理由。"
    ) % {"title": campaign.title, "deadline": local_datetime(campaign.deadline)}


def select(campaign, *, unit_codes=None, filter=None):
    """The enrollments a reminder goes to."""
    enrollments = campaign.enrollments.select_related("unit")
    if filter == "not_submitted":
        return list(enrollments.exclude(state=EnrollmentState.SUBMITTED))
    if filter == "has_empty":
        chosen = list(enrollments)
        counts = progress_for_many(chosen)
        return [e for e in chosen if not counts[e.pk].complete]
    if filter:
        raise CampaignError(_("未知的筛选方式“%(f)s”，可选 not_submitted 或 has_empty。") % {"f": filter}, code="invalid_filter")
    codes = list(unit_codes or [])
    chosen = list(enrollments.filter(unit__code__in=codes))
    unknown = sorted(set(codes) - {e.unit.code for e in chosen})
    if unknown:
        raise CampaignError(_("这些单位没有参加本任务：%(c)s。") % {"c": "、".join(unknown)}, code="unknown_units", unit_codes=unknown)
    return chosen


@transaction.atomic
def create_batch(campaign, *, message, unit_codes=None, filter=None, force=False, user=None, request=None):
    message = (message or "").strip()
    if not message:
        raise CampaignError(_("请填写催报内容。"), code="message_required")
    targets = select(campaign, unit_codes=unit_codes, filter=filter)
    if not targets:
        raise CampaignError(_("没有符合条件的单位，未发送。"), code="no_units")
    quiet_since = timezone.now() - timedelta(hours=settings.REMINDER_QUIET_HOURS)
    recent = set(
        Reminder.objects.filter(enrollment__in=targets, created_at__gte=quiet_since)
        .exclude(status=ReminderStatus.SKIPPED).values_list("enrollment_id", flat=True)
    )
    batch = ReminderBatch.objects.create(campaign=campaign, message=message, forced=force,
                                         selection=filter or "manual", created_by=user if user and user.pk else None)
    Reminder.objects.bulk_create([
        Reminder(batch=batch, enrollment=e,
                 status=ReminderStatus.SKIPPED if (e.pk in recent and not force) else ReminderStatus.PENDING)
        for e in targets
    ])
    record("reminder", actor=user, request=request, obj=batch, campaign=campaign, units=len(targets),
           skipped=sum(1 for e in targets if e.pk in recent and not force), selection=batch.selection, message=message)
    enqueue(batch)
    return batch


def enqueue(batch):
    transaction.on_commit(lambda: send_reminders.enqueue(batch.pk))


def recipients(reminders_):
    """Each reminder's addresses: the unit's contact and its active submitters."""
    by_unit = unit_addresses([r.enrollment.unit for r in reminders_])
    return {r.pk: by_unit[r.enrollment.unit_id] for r in reminders_}


def deliver(batch_id):
    """Send every pending reminder of a batch; each unit's result is recorded on its own."""
    batch = ReminderBatch.objects.select_related("campaign").get(pk=batch_id)
    campaign = batch.campaign
    subject = _("【催报】%(t)s") % {"t": campaign.title}
    pending = list(batch.reminders.filter(status=ReminderStatus.PENDING).select_related("enrollment__unit"))
    addresses = recipients(pending)
    for reminder in pending:
        to = addresses[reminder.pk]
        reminder.attempts += 1
        reminder.emailed_to = to
        if not to:
            reminder.status = ReminderStatus.NO_EMAIL
        else:
            body = "\n\n".join(x for x in (
                f"{reminder.enrollment.unit.name}：", batch.message,
                _("截止时间：%(d)s") % {"d": local_datetime(reminder.enrollment.effective_deadline)},
                _("联系人：%(c)s") % {"c": campaign.contact_line} if campaign.contact_line else "",
                _("登录地址：%(u)s") % {"u": login_url()},
            ) if x)
            try:
                send_mail(subject, body, None, to, fail_silently=False)
            except Exception as exc:  # any transport error is this unit's failure, not the batch's
                reminder.status = ReminderStatus.FAILED
                reminder.error = f"{type(exc).__name__}: {exc}"[:1000]
                reminder.save(update_fields=["status", "error", "attempts", "emailed_to"])
                continue
            reminder.status = ReminderStatus.SENT
            reminder.error = ""
        reminder.sent_at = timezone.now()
        reminder.save(update_fields=["status", "error", "attempts", "emailed_to", "sent_at"])


def retry_failed(batch, *, user=None, request=None):
    n = batch.reminders.filter(status=ReminderStatus.FAILED).update(status=ReminderStatus.PENDING)
    if n:
        record("reminder_retry", actor=user, request=request, obj=batch, campaign=batch.campaign, units=n)
        enqueue(batch)
    return n


def summary(batch):
    counts = {s: 0 for s in ReminderStatus.values}
    for status in batch.reminders.values_list("status", flat=True):
        counts[status] += 1
    return counts


def as_api(batch):
    return {
        "id": batch.pk, "campaign": batch.campaign_id, "message": batch.message, "selection": batch.selection,
        "forced": batch.forced, "created_at": timezone.localtime(batch.created_at).isoformat(),
        "counts": summary(batch),
        "units": [
            {"unit_code": r.enrollment.unit.code, "unit_name": r.enrollment.unit.name, "status": r.status,
             "emailed_to": r.emailed_to, "error": r.error or None,
             "sent_at": timezone.localtime(r.sent_at).isoformat() if r.sent_at else None,
             "read_at": timezone.localtime(r.read_at).isoformat() if r.read_at else None}
            for r in batch.reminders.select_related("enrollment__unit")
        ],
    }


