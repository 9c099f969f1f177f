"""Signals other apps listen to, so campaigns never import them."""

from django.dispatch import Signal

# Sent after a campaign changes state; args: campaign, before, after.
campaign_state_changed = Signal()
