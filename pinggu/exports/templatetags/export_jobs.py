"""`{% result_exports campaign %}`: the result export panel (scores.xlsx at once; the reports ZIP and the summary
built in the background with progress) on the campaign page and the results page. A tag rather than view context,
so the results page of the reviews app (a layer below exports) shows it without importing exports."""

from django import template

from pinggu.accounts import permissions

from .. import jobs
from ..models import ExportKind

register = template.Library()

BACKGROUND = (ExportKind.REPORTS_ZIP, ExportKind.SUMMARY_DOCX)


@register.inclusion_tag("exports/results_links.html", takes_context=True)
def result_exports(context, campaign):
    request = context["request"]
    user = request.user
    if not permissions.can_export(user):
        return {"shown": False}
    mine = jobs.latest(campaign, user)
    return {"shown": True, "campaign": campaign, "csrf_token": context.get("csrf_token"), "request": request,
            "widgets": [jobs.widget(campaign, kind, mine.get(kind)) for kind in BACKGROUND]}
