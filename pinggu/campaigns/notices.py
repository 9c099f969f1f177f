"""Telling a unit that the organizer acted on its submission: a return (退回) or an extension (延期).

Two channels, as for reminders: an e-mail to the unit's contact and its submitters (the
addresses reminders use), sent by a background task; and in the application, the banner at
the top of the unit's workspace and its line in the campaign list, shown for as long as the
return (until the unit resubmits) or the extension is in force. Each mail's outcome is audited.
"""

from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from pinggu.accounts.audit import record
from pinggu.accounts.models import Role, User
from pinggu.lib.address import login_url
from pinggu.lib.dates import cn_datetime

from .models import Enrollment, Reminder, ReminderStatus

KINDS = ("return", "extension")


def unit_addresses(units):
    """Where mail for each unit goes: its contact and its active submitters (one query for all units)."""
    submitters = {}
    for unit_id, email in (
        User.objects.filter(unit__in=[u.pk for u in units], role=Role.SUBMITTER, is_active=True)
        .exclude(email="").values_list("unit_id", "email")
    ):
        submitters.setdefault(unit_id, []).append(email)
    return {u.pk: sorted(set(([u.contact_email] if u.contact_email else []) + submitters.get(u.pk, []))) for u in units}


def compose(enrollment, kind):
    """The subject and body of the mail for this enrollment as it stands now."""
    campaign = enrollment.campaign
    if kind == "return":
        subject = _("【退回】%(t)s") % {"t": campaign.title}
        lines = [
            _("您单位报送的材料已被组织单位退回，请按退回原因补充修改后重新确认报送。"),
            _("退回原因：%(r)s") % {"r": enrollment.return_reason},
            _("退回人：%(u)s，时间：%(d)s") % {"u": enrollment.returned_by or "—", "d": cn_datetime(enrollment.returned_at)},
        ]
    else:
        subject = _("【延期】%(t)s") % {"t": campaign.title}
        lines = [
            _("组织单位已同意您单位延期报送。"),
            _("延期原因：%(r)s") % {"r": enrollment.extension_reason},
        ]
    lines.append(_("截止时间：%(d)s") % {"d": cn_datetime(enrollment.effective_deadline)})
    if campaign.contact_line:
        lines.append(_("联系人：%(c)s") % {"c": campaign.contact_line})
    lines.append(_("登录地址：%(u)s") % {"u": login_url()})
    return subject, "\n\n".join([f"{enrollment.unit.name}：", *lines])


def deliver(enrollment_id, kind):
    enrollment = Enrollment.objects.select_related("campaign", "unit", "returned_by", "extended_by").get(pk=enrollment_id)
    to = unit_addresses([enrollment.unit])[enrollment.unit_id]
    status, error = "no_email", ""
    if to:
        subject, body = compose(enrollment, kind)
        try:
            send_mail(subject, body, None, to, fail_silently=False)
            status = "sent"
        except Exception as exc:  # a transport error is recorded, never raised into the worker loop
            status, error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
    record("notice_mail", campaign=enrollment.campaign, unit=enrollment.unit, notice=kind, emailed_to=to, mail=status,
           **({"error": error} if error else {}))
    return status


def unread_for(enrollment):
    """The reminders (催报) shown at the top of the unit's workspace until it reads them."""
    return list(
        Reminder.objects.filter(enrollment=enrollment, read_at__isnull=True)
        .exclude(status=ReminderStatus.SKIPPED).select_related("batch").order_by("-created_at")
    )


def mark_read(enrollment, user, *, request=None):
    n = Reminder.objects.filter(enrollment=enrollment, read_at__isnull=True).exclude(status=ReminderStatus.SKIPPED).update(
        read_at=timezone.now()
    )
    if n:
        record("reminder_read", actor=user, request=request, campaign=enrollment.campaign, unit=enrollment.unit)
    return n
