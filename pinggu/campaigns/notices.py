"""Telling a unit that the organizer acted on its submission: a return (退回) or an extension (延期).

Two channels, as for reminders: an e-mail to the unit's contact and its submitters (the
addresses reminders use), sent by a background task; and in the application, the banner at
the top of the unit's workspace and its line in the campaign list, shown for as long as the
return (until the unit resubmits) or the extension is in force. Each mail's outcome is audited.
"""

from django.core.mail import send_mail
from django.utils.translation import gettext as _

from pinggu.accounts.audit import record
from pinggu.lib.address import login_url

from .models import Enrollment
from .reminders import unit_addresses
from .services import cn_datetime

KINDS = ("return", "extension")


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
