"""Labels of the audit actions this app records (see pinggu.accounts.audit)."""

from django.utils.translation import gettext_lazy as _

from pinggu.accounts.audit import register_actions

register_actions({"reminder": _("催报"), "reminder_retry": _("重发催报")})
