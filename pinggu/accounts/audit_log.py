"""Reading the audit log: filters shared by the web page, its CSV and xlsx exports and the API."""

import csv
import io

from django.utils import timezone, translation
from openpyxl import Workbook

from pinggu.frameworks.exports import safe_cell

from . import audit
from .models import AuditEvent


def filtered(*, campaign=None, unit=None, action=None, since=None, until=None):
    events = AuditEvent.objects.select_related("campaign", "unit").order_by("-at", "-id")
    if campaign:
        events = events.filter(campaign_id=campaign)
    if unit:
        events = events.filter(unit__code=unit)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__gte=since)
    if until:
        events = events.filter(at__lte=until)
    return events


def as_dict(event):
    return {
        "id": event.pk, "at": timezone.localtime(event.at).isoformat(), "actor": event.actor_name or None, "action": event.action,
        "action_label": audit.action_label(event.action),
        "campaign": event.campaign_id, "unit": event.unit.code if event.unit else None,
        "ip": event.ip, "object_type": event.object_type or None, "object_id": event.object_id or None,
        "details": event.details, "details_text": "；".join(audit.detail_text(event.details)),
    }


HEADER = ["时间", "操作人", "操作", "评估任务", "单位", "IP", "详情", "编号"]


def _rows(events):
    # Exports are Chinese documents whatever the page's language, like the log's own labels.
    with translation.override("zh-hans"):
        for e in events.iterator(chunk_size=2000):
            yield [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), safe_cell(e.actor_name), audit.action_label(e.action),
                safe_cell(e.campaign.title if e.campaign else ""), safe_cell(e.unit.name if e.unit else ""), e.ip or "",
                safe_cell("；".join(audit.detail_text(e.details))), e.pk,
            ]


def to_xlsx(events):
    """The filtered log as a workbook, written row by row (write-only mode keeps memory flat)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGH", (20, 14, 14, 24, 18, 16, 60, 10)):
        ws.column_dimensions[col].width = width
    ws.append(HEADER)
    for row in _rows(events):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_csv(events):
    """The filtered log as CSV; the byte-order mark makes Excel read it as UTF-8 (Chinese intact)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in _rows(events):
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
