"""Finding a campaign or a unit's enrollment as a given user may see it.

Web views turn a miss into 404, the API into its JSON 404: either way another
unit's objects are indistinguishable from ones that do not exist.
"""

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from pinggu.accounts import permissions
from pinggu.errors import DomainError

from . import visibility
from .models import Enrollment


def find_campaign(user, pk):
    return visibility.campaigns_visible_to(user).filter(pk=pk).first()


def find_enrollment(user, campaign_id, unit_code):
    enrollment = (
        Enrollment.objects.select_related("campaign", "unit", "framework", "returned_by", "extended_by")
        .filter(campaign_id=campaign_id, unit__code=unit_code).first()
    )
    if enrollment is None or not permissions.can_view_enrollment(user, enrollment):
        return None
    return enrollment


def campaign_or_404(user, pk):
    campaign = find_campaign(user, pk)
    if campaign is None:
        raise Http404
    return campaign


def enrollment_or_404(user, campaign_id, unit_code):
    enrollment = find_enrollment(user, campaign_id, unit_code)
    if enrollment is None:
        raise Http404
    return enrollment


def enrollment_or_refuse(user, campaign_id, unit_code):
    """For the API: the same miss as a refusal (404 `not_found`), so other units' existence is not revealed."""
    enrollment = find_enrollment(user, campaign_id, unit_code)
    if enrollment is None:
        raise DomainError(_("找不到该单位的报送。"), code="not_found", status=404)
    return enrollment


def safe_next(request, fallback):
    """The page to return to: the posted `next` only when it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def form_errors(form, exc):
    """Put a CampaignError's per-field messages on the form, or the whole message on top."""
    fields = exc.extra.get("fields") or {}
    for field, message in fields.items():
        form.add_error(field if field in form.fields else None, message)
    if not fields:
        form.add_error(None, exc.message)
