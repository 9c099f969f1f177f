"""Every permission rule, written once. Web views, the API and downloads all ask here."""

from .models import Role


def is_organizer(user):
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.role == Role.ORGANIZER))


def can_view_frameworks(user):
    # Submitters see their checklist through their campaign, not the framework library.
    return bool(user and user.is_authenticated and user.is_active and (is_organizer(user) or user.role in (Role.EVALUATOR, Role.VIEWER)))


def can_manage_frameworks(user):
    return is_organizer(user)
