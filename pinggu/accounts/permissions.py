"""Every permission rule, written once. Web views, the API and downloads all ask here.

Roles: the organizer reaches everything; a viewer reads everything and changes
nothing; an evaluator reads the units assigned to it; a submitter reads and
writes only its own unit's workspace in campaigns its unit is enrolled in.
"""

from django.db.models import Q

from .models import Role

# Campaign.state of a campaign not yet sent to units (kept here as a value: the permission layer sits below campaigns).
DRAFT = "draft"


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def is_organizer(user):
    return _active(user) and (user.is_superuser or user.role == Role.ORGANIZER)


def is_submitter(user):
    return _active(user) and not user.is_superuser and user.role == Role.SUBMITTER


def can_view_frameworks(user):
    # Submitters see their checklist through their campaign, not the framework library.
    return is_organizer(user) or is_evaluator(user) or is_viewer(user)


def can_manage_frameworks(user):
    return is_organizer(user)


def is_viewer(user):
    return _active(user) and not user.is_superuser and user.role == Role.VIEWER


def is_evaluator(user):
    return _active(user) and not user.is_superuser and user.role == Role.EVALUATOR


def can_manage_campaigns(user):
    """Campaigns: create, edit, state, enrollment, evaluators, accounts for enrolled units, reopen, extension."""
    return is_organizer(user)


def can_manage_units(user):
    return is_organizer(user)


def can_manage_users(user):
    return is_organizer(user)


def can_change_user(actor, target):
    """Disable or reset an account: never one's own (it would lock the organizer out)."""
    return can_manage_users(actor) and actor.pk != target.pk


def can_read_audit(user):
    return is_organizer(user)


def can_view_units(user):
    """The unit list and its export (read-only for leaders)."""
    return is_organizer(user) or is_viewer(user)


def can_list_campaigns(user):
    """The campaign list: every active account (each sees what campaigns_visible_to lets it see)."""
    return _active(user)


def can_use_workspace(user):
    """Workspaces, uploads, downloads and receipts: every active account; the object check follows
    (can_view_enrollment, can_edit_enrollment)."""
    return _active(user)


def sees_drafts(user):
    """A draft campaign is not yet sent to units: submitters do not see it."""
    return _active(user) and not is_submitter(user)


def can_download_attachment(user, unit_kind_id):
    """A checklist of a notice the user may see (the caller found the campaign through campaigns_visible_to):
    a submitter gets only its own unit kind's."""
    if not _active(user):
        return False
    return not is_submitter(user) or (user.unit is not None and user.unit.kind_id == unit_kind_id)


def can_view_enrollment(user, enrollment):
    """The object-level rule; campaigns.visibility writes the same rule as querysets for lists."""
    if not _active(user):
        return False
    if is_organizer(user) or is_viewer(user):
        return True
    if enrollment.campaign.state == DRAFT and not sees_drafts(user):
        return False
    if is_submitter(user):
        return bool(user.unit_id) and user.unit_id == enrollment.unit_id
    if is_evaluator(user):
        return enrollment.campaign.assignments.filter(user=user).filter(
            Q(unit__isnull=True) | Q(unit_id=enrollment.unit_id)).exists()
    return False


def can_edit_enrollment(user, enrollment):
    """Who may change a unit's materials (time window and state are checked by the services)."""
    if is_organizer(user):
        return True
    return is_submitter(user) and can_view_enrollment(user, enrollment)


def can_view_receipt(user, enrollment):
    """报送回执: the unit's own submitters, the organizer and the evaluators assigned to the unit."""
    if not can_view_enrollment(user, enrollment):
        return False
    return is_organizer(user) or is_submitter(user) or is_evaluator(user)


def can_view_deleted_evidence(user):
    return is_organizer(user)


def can_view_progress(user):
    """The dashboard and the matrix (read-only; leaders included): never a submitter."""
    return is_organizer(user) or is_evaluator(user) or is_viewer(user)


def can_export(user):
    """Bulk data out (progress API and exports, evidence bundles): organizer and evaluators only."""
    return is_organizer(user) or is_evaluator(user)


def can_send_reminders(user):
    return is_organizer(user)


def can_review(user, enrollment, stage=None):
    """Score a unit's points: the organizer, or an evaluator assigned to the unit (for `stage`, when given: a
    复核 needs a second-role assignment, a first review a first-role one)."""
    if is_organizer(user):
        return True
    if not (_active(user) and user.role == Role.EVALUATOR):
        return False
    # Through the enrollment's relations, as can_view_enrollment does: accounts does not import campaigns.
    assigned = enrollment.campaign.assignments.filter(user=user).filter(
        Q(unit__isnull=True) | Q(unit_id=enrollment.unit_id)
    )
    if stage is not None:
        assigned = assigned.filter(role=stage)
    return assigned.exists()


def can_use_review_queue(user):
    """The review queue and screen (which units and points, then can_review per unit): organizer and evaluators."""
    return is_organizer(user) or is_evaluator(user)


def can_publish(user, campaign):
    """Lock and publish a campaign's results (and with them the ranking): the organizer only."""
    return is_organizer(user)


def can_view_results(user, enrollment, published=False):
    """A unit's scores and deductions (never the private comments, which `can_review` guards): the organizer,
    viewers and the evaluators assigned to the unit at any time; the unit's own submitters once published."""
    if is_organizer(user) or (_active(user) and user.role == Role.VIEWER):
        return True
    if is_submitter(user):
        return published and user.unit_id == enrollment.unit_id
    return can_review(user, enrollment)


def can_build_bundles(user):
    """Pre-building the evidence bundles (a heavy job for the server): the organizer."""
    return is_organizer(user)


def can_read_export_job(user, requested_by_id):
    """A background result export (its progress and its file) holds the units its requester may see: the
    requester, or an organizer (who sees every unit anyway). Starting one is `can_export`."""
    return can_export(user) and (user.pk == requested_by_id or is_organizer(user))
