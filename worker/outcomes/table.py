"""The outcomes report as a terminal table: one row per figure, one column per slice."""

from __future__ import annotations

from integrations.outcome_metrics import OutcomeFigures, OutcomeReport

# (field, label) in the order people read them; dict-valued figures get their own tables.
ROWS: tuple[tuple[str, str], ...] = (
    ("cases", "cases"),
    ("resolved", "resolved"),
    ("resolution_rate", "resolution rate"),
    ("no_touch_resolution_rate", "resolved with no human touch"),
    ("escalation_rate", "escalation rate"),
    ("first_response_minutes_p50", "first response p50 (min)"),
    ("first_response_minutes_p90", "first response p90 (min)"),
    ("resolution_minutes_p50", "time to resolution p50 (min)"),
    ("resolution_minutes_p90", "time to resolution p90 (min)"),
    ("reopen_rate", "reopen rate"),
    ("human_edit_rate", "human edit rate"),
    ("edit_distance_mean", "edit distance (mean)"),
    ("approval_latency_minutes_p50", "approval latency p50 (min)"),
    ("approval_latency_minutes_p90", "approval latency p90 (min)"),
    ("sla_breaches", "SLA breaches"),
    ("replies_sent", "replies sent"),
    ("replies_failed", "replies failed"),
    ("replies_queued", "replies still queued"),
    ("human_minutes", "human minutes"),
    ("llm_cost", "LLM cost"),
    ("human_cost", "human cost"),
    ("cost_per_resolved_case", "cost per resolved case"),
)
_RATES = {"resolution_rate", "no_touch_resolution_rate", "escalation_rate", "reopen_rate"}
_MONEY = {"llm_cost", "human_cost", "cost_per_resolved_case"}


def shown(value: object, key: str, currency: str) -> str:
    if value is None:
        return "-"
    if key in _RATES or key == "human_edit_rate":
        return f"{float(value):.1%}"  # type: ignore[arg-type]
    if key in _MONEY:
        return f"{float(value):.4f} {currency}"  # type: ignore[arg-type]
    return str(value)


def _grid(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def render_table(report: OutcomeReport) -> str:
    columns: dict[str, OutcomeFigures] = {"all": report.overall} | report.slices
    period = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"
    lines = [f"Support outcomes, {period}" + (f", by {report.by}" if report.by else "")]
    header = ["metric", *columns]
    body = [
        [label, *(shown(getattr(f, key), key, report.currency) for f in columns.values())]
        for key, label in ROWS
    ]
    lines += _grid([header, *body])
    for title, counts in (
        ("Escalations by reason", report.overall.escalations_by_reason),
        ("Failure categories", report.overall.failure_categories),
        ("Time to resolution", report.resolution_time_histogram),
    ):
        lines.append("")
        lines.append(f"{title}:")
        lines += [f"  {k}: {v}" for k, v in counts.items()] or ["  (none)"]
    lines.append("")
    lines.append("Replies that could not be delivered:")
    lines += [
        f"  {r.ticket_id} (message {r.message_id}, queued {r.queued_at:%Y-%m-%d %H:%M}, "
        f"{r.attempts} attempt(s)): {r.last_error or 'no error recorded'}"
        for r in report.failed_replies
    ] or ["  (none)"]
    return "\n".join(lines)
