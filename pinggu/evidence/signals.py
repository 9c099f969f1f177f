"""Signals other apps (review, oversight) listen to, so evidence never imports them."""

from django.dispatch import Signal

# Sent after a point's status changes (inside the transaction that changed it);
# args: response, before, after, user, reason.
response_status_changed = Signal()
