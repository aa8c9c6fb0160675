"""What the hand-offs of a period say about the review loop: how fast people claim and resolve,
how often and how much they change drafts, SLA breaches and reopens. Pure: computed from the
CRM's hand-off rows (integrations/handoff_records.py)."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from integrations.handoff_records import HandoffView


class HandoffMetrics(BaseModel):
    handoffs: int
    claimed: int
    resolved: int
    minutes_to_claim_p50: float | None
    minutes_to_claim_p90: float | None
    minutes_to_resolve_p50: float | None
    minutes_to_resolve_p90: float | None
    drafts_reviewed: int
    drafts_edited: int
    drafts_rejected: int
    human_edit_rate: float | None
    edit_distance_mean: float | None
    sla_reminders: int
    sla_breaches: int
    reopens: int
    # Reopens per resolved hand-off: how often the customer came back after a person's answer.
    reopen_rate: float | None
    endings: dict[str, int]


def _minutes(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60


def _quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))], 1)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def handoff_metrics(rows: list[HandoffView]) -> HandoffMetrics:
    claims = [m for r in rows if (m := _minutes(r.opened_at, r.claimed_at)) is not None]
    resolutions = [m for r in rows if (m := _minutes(r.opened_at, r.resolved_at)) is not None]
    # A draft is reviewed once a person sent it (as is or edited) or rejected it; it is changed
    # when what was sent differs from it (edit distance > 0) or it was rejected. The mean edit
    # distance is over drafts that were sent (0.0 for one sent as drafted).
    sent = [r for r in rows if r.ending in ("sent", "edited")]
    rejected = sum(1 for r in rows if r.draft_rejected)
    edited = [r for r in sent if (r.edit_distance or 0) > 0]
    distances = [r.edit_distance for r in sent if r.edit_distance is not None]
    reopens = sum(1 for r in rows if r.reopened)
    resolved = sum(1 for r in rows if r.resolved_at is not None)
    return HandoffMetrics(
        handoffs=len(rows),
        claimed=sum(1 for r in rows if r.claimed_at is not None),
        resolved=resolved,
        minutes_to_claim_p50=_quantile(claims, 0.5),
        minutes_to_claim_p90=_quantile(claims, 0.9),
        minutes_to_resolve_p50=_quantile(resolutions, 0.5),
        minutes_to_resolve_p90=_quantile(resolutions, 0.9),
        drafts_reviewed=len(sent) + rejected,
        drafts_edited=len(edited) + rejected,
        drafts_rejected=rejected,
        human_edit_rate=_share(len(edited) + rejected, len(sent) + rejected),
        edit_distance_mean=round(statistics.fmean(distances), 4) if distances else None,
        sla_reminders=sum(1 for r in rows if r.sla_reminded_at is not None),
        sla_breaches=sum(1 for r in rows if r.sla_breached_at is not None),
        reopens=reopens,
        reopen_rate=_share(reopens, resolved),
        endings=dict(Counter(r.ending or "open" for r in rows)),
    )
