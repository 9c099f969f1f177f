"""Account rules shared by the web views, the API and the CLI."""

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from .audit import record
from .models import ApiToken


@transaction.atomic
def change_password(user, new_password, *, request=None, keep_session_key=None):
    """Set a new password and end every other session and API token of the user."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    ApiToken.objects.filter(user=user).delete()
    end_sessions(user, except_key=keep_session_key)
    record("password_change", actor=user, request=request, obj=user)


def end_sessions(user, except_key=None):
    # Sessions are not indexed by user; scanning the live ones is fine at this
    # scale (one row per logged-in browser) and needs no extra bookkeeping.
    uid = str(user.pk)
    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key == except_key:
            continue
        if session.get_decoded().get("_auth_user_id") == uid:
            doomed.append(session.session_key)
    Session.objects.filter(session_key__in=doomed).delete()
