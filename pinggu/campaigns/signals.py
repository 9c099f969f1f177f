"""Signals other apps listen to, so campaigns never import them."""

from django.dispatch import Signal

# Sent after a campaign changes state; args: campaign, before, after.
campaign_state_changed = Signal()

# Sent after an enrollment changes state (inside the transaction that changed it);
# args: enrollment, before, after, user, reason.
enrollment_state_changed = Signal()
