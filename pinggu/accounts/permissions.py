"""Every permission rule, written once. Web views, the API and downloads all ask here.

Roles: the organizer reaches everything; a viewer reads everything and changes
nothing; an evaluator reads the units assigned to it; a submitter reads and
writes only its own unit's workspace in campaigns its unit is enrolled in.
"""

from django.db.models import Exists, OuterRef, Q

from .models import Role


def _active(user):
    return bool(user and user.is_authenticated and user.is_active)


def is_organizer(user):
    return _active(user) and (user.is_superuser or user.role == Role.ORGANIZER)


def is_submitter(user):
    return _active(user) and not user.is_superuser and user.role == Role.SUBMITTER


def can_view_frameworks(user):
    # Submitters see their checklist through their campaign, not the framework library.
    return _active(user) and (is_organizer(user) or user.role in (Role.EVALUATOR, Role.VIEWER))


def can_manage_frameworks(user):
    return is_organizer(user)


def can_manage_campaigns(user):
    """Units, accounts, campaigns, enrollment, reopen, extension, restore, audit."""
    return is_organizer(user)


def can_view_units(user):
    return is_organizer(user) or (_active(user) and user.role == Role.VIEWER)


def can_list_campaigns(user):
    return _active(user)


def enrollments_visible_to(user, queryset=None):
    from pinggu.campaigns.models import Enrollment, EvaluatorAssignment

    qs = Enrollment.objects.all() if queryset is None else queryset
    if not _active(user):
        return qs.none()
    if is_organizer(user) or user.role == Role.VIEWER:
        return qs
    if user.role == Role.SUBMITTER:
        return qs.filter(unit_id=user.unit_id) if user.unit_id else qs.none()
    if user.role == Role.EVALUATOR:
        assigned = EvaluatorAssignment.objects.filter(user=user, campaign_id=OuterRef("campaign_id")).filter(
            Q(unit__isnull=True) | Q(unit_id=OuterRef("unit_id"))
        )
        return qs.filter(Exists(assigned))
    return qs.none()


def campaigns_visible_to(user, queryset=None):
    from pinggu.campaigns.models import Campaign, CampaignState

    qs = Campaign.objects.all() if queryset is None else queryset
    if not _active(user):
        return qs.none()
    if is_organizer(user) or user.role == Role.VIEWER:
        return qs
    visible = enrollments_visible_to(user).values("campaign_id")
    qs = qs.filter(pk__in=visible)
    if user.role == Role.SUBMITTER:
        qs = qs.exclude(state=CampaignState.DRAFT)  # a draft is not yet sent to units
    return qs


def can_view_enrollment(user, enrollment):
    if user.role == Role.SUBMITTER and enrollment.campaign.state == "draft":
        return False
    return enrollments_visible_to(user).filter(pk=enrollment.pk).exists()


def can_edit_enrollment(user, enrollment):
    """Who may change a unit's materials (time window and state are checked by the services)."""
    if is_organizer(user):
        return True
    return is_submitter(user) and user.unit_id == enrollment.unit_id and enrollment.campaign.state != "draft"


def can_view_receipt(user, enrollment):
    """报送回执: the unit's own submitters, the organizer and the evaluators assigned to the unit."""
    if not can_view_enrollment(user, enrollment):
        return False
    return is_organizer(user) or is_submitter(user) or user.role == Role.EVALUATOR


def can_view_deleted_evidence(user):
    return is_organizer(user)


def can_view_progress(user):
    """The dashboard and the matrix (read-only; leaders included): never a submitter."""
    return _active(user) and (is_organizer(user) or user.role in (Role.EVALUATOR, Role.VIEWER))


def can_export(user):
    """Bulk data out (progress API and exports, evidence bundles): organizer and evaluators only."""
    return _active(user) and (is_organizer(user) or user.role == Role.EVALUATOR)


def can_send_reminders(user):
    return is_organizer(user)


def can_review(user, enrollment, stage=None):
    """Score a unit's points: the organizer, or an evaluator assigned to the unit (for `stage`, when given: a
    复核 needs a second-role assignment, a first review a first-role one)."""
    from pinggu.campaigns.models import EvaluatorAssignment

    if is_organizer(user):
        return True
    if not (_active(user) and user.role == Role.EVALUATOR):
        return False
    assigned = EvaluatorAssignment.objects.filter(user=user, campaign_id=enrollment.campaign_id).filter(
        Q(unit__isnull=True) | Q(unit_id=enrollment.unit_id)
    )
    if stage is not None:
        assigned = assigned.filter(role=stage)
    return assigned.exists()


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
