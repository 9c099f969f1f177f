"""Which campaigns and enrollments a user may see, as querysets for lists.

The same rule as accounts.permissions.can_view_campaign / can_view_enrollment for one object; it lives
here because it needs the campaign models, which the permission layer below must not import.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from pinggu.accounts import permissions

from .models import Campaign, CampaignState, Enrollment, EvaluatorAssignment


def enrollments_visible_to(user, queryset: QuerySet[Enrollment] | None = None) -> QuerySet[Enrollment]:
    qs = Enrollment.objects.all() if queryset is None else queryset
    if permissions.is_organizer(user) or permissions.is_viewer(user):
        return qs
    if not permissions.sees_drafts(user):
        qs = qs.exclude(campaign__state=CampaignState.DRAFT)
    if permissions.is_submitter(user):
        return qs.filter(unit_id=user.unit_id) if user.unit_id else qs.none()
    if permissions.is_evaluator(user):
        assigned = EvaluatorAssignment.objects.filter(user=user, campaign_id=OuterRef("campaign_id")).filter(
            Q(unit__isnull=True) | Q(unit_id=OuterRef("unit_id"))
        )
        return qs.filter(Exists(assigned))
    return qs.none()


def campaigns_visible_to(user, queryset: QuerySet[Campaign] | None = None) -> QuerySet[Campaign]:
    qs = Campaign.objects.all() if queryset is None else queryset
    if permissions.is_organizer(user) or permissions.is_viewer(user):
        return qs
    if not permissions.sees_drafts(user):
        qs = qs.exclude(state=CampaignState.DRAFT)
    return qs.filter(pk__in=enrollments_visible_to(user).values("campaign_id"))
