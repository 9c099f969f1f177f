"""Year over year (issue 10 §5): each unit's change against the campaign this one was copied from, per indicator
where the two checklists share codes."""

from __future__ import annotations

from typing import Any

from pinggu.campaigns.models import Campaign

from .selectors import unit_scores


def changes(campaign: Campaign, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{unit code: {"total": Δ, "indicators": {code: Δ}}} for the units of `rows` (rows of `unit_scores`) scored
    in both campaigns; empty when the campaign is no copy. Δ is None where either side has no score."""
    source = campaign.copied_from
    if source is None:
        return {}
    before = {row["unit_code"]: row for row in unit_scores(source)["units"]}
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        old = before.get(row["unit_code"])
        if old is None:
            continue
        old_ind = {i["code"]: i["score"] for i in old["indicators"]}
        out[row["unit_code"]] = {
            "total": _delta(row["total"], old["total"]),
            "indicators": {i["code"]: _delta(i["score"], old_ind[i["code"]]) for i in row["indicators"] if i["code"] in old_ind},
        }
    return out


def _delta(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else round(now - before, 2)
