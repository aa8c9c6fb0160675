"""The outcomes report: support metrics for a period, overall and per slice (intent, process,
customer tier, channel), with the series its charts draw. Pure: computed from `CaseFacts`
(integrations/outcome_facts.py) and the cost settings (policies/outcome_costs.json).

Definitions (docs/outcomes-report.md):
- resolved: the case ended `resolved`, `denied` or `rejected` (the customer got an outcome);
- human touch: a hand-off was opened or a person decided an approval;
- first response: the first message queued to the customer; time to resolution: ticket
  created -> case ended, for resolved cases;
- reopen rate: resolved cases the customer reopened / resolved cases;
- human edit rate: drafts people changed (edited before sending, or rejected) / drafts they
  reviewed; edit distance: mean normalised distance of sent drafts;
- replies: messages queued to the customer in the slice's cases, by delivery state (queued,
  sent, failed); every failed one is listed with its ticket, attempts and last error;
- cost per resolved case: (LLM tokens x prices + human minutes x rate) of every case in the
  slice / resolved cases in it. Human minutes: claim -> resolve of each hand-off (a fixed time
  for one resolved without a claim) plus a fixed time per approval decision.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from integrations.outcome_categories import (
    FAILURE_CATEGORIES,
    escalation_reason,
    failure_categories,
    is_escalated,
)
from integrations.outcome_facts import CaseFacts
from policies.outcome_costs import OutcomeCosts

Slice = Literal["intent", "process", "tier", "channel"]
RESOLVED_STATES = frozenset({"resolved", "denied", "rejected"})
# Upper bounds (hours) of the time-to-resolution histogram; the last bucket is open.
RESOLUTION_BUCKETS: tuple[tuple[str, float], ...] = (
    ("< 1 h", 1),
    ("1-4 h", 4),
    ("4-24 h", 24),
    ("1-3 d", 72),
    ("> 3 d", float("inf")),
)


class OutcomeFigures(BaseModel):
    cases: int
    resolved: int
    resolution_rate: float | None
    resolved_without_human: int
    no_touch_resolution_rate: float | None
    escalated: int
    escalation_rate: float | None
    escalations_by_reason: dict[str, int]
    first_response_minutes_p50: float | None
    first_response_minutes_p90: float | None
    resolution_minutes_p50: float | None
    resolution_minutes_p90: float | None
    reopened: int
    reopen_rate: float | None
    drafts_reviewed: int
    drafts_changed: int
    human_edit_rate: float | None
    edit_distance_mean: float | None
    approvals_decided: int
    approval_latency_minutes_p50: float | None
    approval_latency_minutes_p90: float | None
    sla_breaches: int
    llm_cost: float
    human_minutes: float
    human_cost: float
    cost_per_resolved_case: float | None
    failure_categories: dict[str, int]
    replies_sent: int = 0
    replies_failed: int = 0
    replies_queued: int = 0


class FailedReply(BaseModel):
    """A reply no channel delivered, for the people who must reach the customer another way."""

    ticket_id: str
    message_id: int
    queued_at: datetime
    attempts: int
    last_error: str | None


class TrendPoint(BaseModel):
    day: str
    cases: int
    resolved: int
    resolution_rate: float | None
    no_touch_resolution_rate: float | None


class OutcomeReport(BaseModel):
    since: datetime
    until: datetime
    by: Slice | None
    currency: str
    costs_version: str
    overall: OutcomeFigures
    slices: dict[str, OutcomeFigures]
    trend: list[TrendPoint]
    resolution_time_histogram: dict[str, int]
    failed_replies: list[FailedReply] = []


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile, rounded to 0.1; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))], 1)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


def is_resolved(case: CaseFacts) -> bool:
    return case.status in RESOLVED_STATES and case.ended_at is not None


def human_touched(case: CaseFacts) -> bool:
    return bool(case.handoffs) or any(a.decisions for a in case.approvals)


def human_minutes(case: CaseFacts, costs: OutcomeCosts) -> float:
    total = 0.0
    for h in case.handoffs:
        if h.claimed_at is not None and h.resolved_at is not None:
            total += max(0.0, _minutes(h.claimed_at, h.resolved_at))
        elif h.resolved_at is not None:
            total += costs.human.minutes_per_unclaimed_handoff
    decisions = sum(len(a.decisions) for a in case.approvals)
    return total + decisions * costs.human.minutes_per_approval_decision


def figures(cases: list[CaseFacts], costs: OutcomeCosts) -> OutcomeFigures:
    resolved = [c for c in cases if is_resolved(c)]
    no_touch = [c for c in resolved if not human_touched(c)]
    reasons = Counter(r for c in cases if (r := escalation_reason(c)) is not None)
    first = [_minutes(c.created_at, c.first_reply_at) for c in cases if c.first_reply_at]
    to_resolve = [_minutes(c.created_at, c.ended_at) for c in resolved if c.ended_at]
    reopened = sum(1 for c in resolved if any(h.reopened for h in c.handoffs))
    handoffs = [h for c in cases for h in c.handoffs]
    sent = [h for h in handoffs if h.drafted and h.edit_distance is not None]
    rejected = [h for h in handoffs if h.drafted and h.draft_rejected]
    changed = sum(1 for h in sent if (h.edit_distance or 0) > 0) + len(rejected)
    decided = [a for c in cases for a in c.approvals if a.decided_at is not None]
    latency = [_minutes(a.requested_at, a.decided_at) for a in decided if a.decided_at]
    llm = sum(costs.llm.cost(c.input_tokens, c.output_tokens) for c in cases)
    minutes = sum(human_minutes(c, costs) for c in cases)
    human = minutes * costs.human.per_hour / 60
    delivery = Counter(r.status for c in cases for r in c.replies)
    failures = Counter(
        f
        for c in cases
        for f in failure_categories(c, costs.failure_rules.bad_retrieval_min_edit_distance)
    )
    return OutcomeFigures(
        cases=len(cases),
        resolved=len(resolved),
        resolution_rate=share(len(resolved), len(cases)),
        resolved_without_human=len(no_touch),
        no_touch_resolution_rate=share(len(no_touch), len(cases)),
        escalated=sum(1 for c in cases if is_escalated(c)),
        escalation_rate=share(sum(1 for c in cases if is_escalated(c)), len(cases)),
        escalations_by_reason=dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        first_response_minutes_p50=quantile(first, 0.5),
        first_response_minutes_p90=quantile(first, 0.9),
        resolution_minutes_p50=quantile(to_resolve, 0.5),
        resolution_minutes_p90=quantile(to_resolve, 0.9),
        reopened=reopened,
        reopen_rate=share(reopened, len(resolved)),
        drafts_reviewed=len(sent) + len(rejected),
        drafts_changed=changed,
        human_edit_rate=share(changed, len(sent) + len(rejected)),
        edit_distance_mean=(
            round(statistics.fmean(h.edit_distance or 0.0 for h in sent), 4) if sent else None
        ),
        approvals_decided=len(decided),
        approval_latency_minutes_p50=quantile(latency, 0.5),
        approval_latency_minutes_p90=quantile(latency, 0.9),
        sla_breaches=sum(1 for h in handoffs if h.sla_breached),
        llm_cost=round(llm, 4),
        human_minutes=round(minutes, 1),
        human_cost=round(human, 2),
        cost_per_resolved_case=round((llm + human) / len(resolved), 4) if resolved else None,
        failure_categories={f: failures[f] for f in FAILURE_CATEGORIES},
        replies_sent=delivery["sent"],
        replies_failed=delivery["failed"],
        replies_queued=delivery["queued"],
    )


def failed_replies(cases: list[CaseFacts]) -> list[FailedReply]:
    """Every failed reply of the period, oldest first: never only a count."""
    return [
        FailedReply(
            ticket_id=c.ticket_id,
            message_id=r.message_id,
            queued_at=r.queued_at,
            attempts=r.attempts,
            last_error=r.last_error,
        )
        for c in cases
        for r in c.replies
        if r.status == "failed"
    ]


def _trend(cases: list[CaseFacts]) -> list[TrendPoint]:
    by_day: dict[str, list[CaseFacts]] = defaultdict(list)
    for case in cases:
        by_day[case.created_at.date().isoformat()].append(case)
    points = []
    for day in sorted(by_day):
        group = by_day[day]
        resolved = [c for c in group if is_resolved(c)]
        untouched = sum(1 for c in resolved if not human_touched(c))
        points.append(
            TrendPoint(
                day=day,
                cases=len(group),
                resolved=len(resolved),
                resolution_rate=share(len(resolved), len(group)),
                no_touch_resolution_rate=share(untouched, len(group)),
            )
        )
    return points


def _histogram(cases: list[CaseFacts]) -> dict[str, int]:
    counts = dict.fromkeys((label for label, _ in RESOLUTION_BUCKETS), 0)
    for case in cases:
        if not is_resolved(case) or case.ended_at is None:
            continue
        hours = _minutes(case.created_at, case.ended_at) / 60
        label = next(label for label, bound in RESOLUTION_BUCKETS if hours < bound)
        counts[label] += 1
    return counts


def slice_key(case: CaseFacts, by: Slice) -> str:
    value: str = getattr(case, by)
    return value or "-"


def outcome_report(
    cases: list[CaseFacts],
    costs: OutcomeCosts,
    since: datetime,
    until: datetime,
    by: Slice | None = None,
) -> OutcomeReport:
    slices: dict[str, list[CaseFacts]] = defaultdict(list)
    if by is not None:
        for case in cases:
            slices[slice_key(case, by)].append(case)
    return OutcomeReport(
        since=since,
        until=until,
        by=by,
        currency=costs.currency,
        costs_version=costs.version,
        overall=figures(cases, costs),
        slices={key: figures(group, costs) for key, group in sorted(slices.items())},
        trend=_trend(cases),
        resolution_time_histogram=_histogram(cases),
        failed_replies=failed_replies(cases),
    )
