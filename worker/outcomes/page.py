"""The outcomes report as one self-contained HTML page: the figures, the slices, the failure
categories and three inline-SVG charts. No script, stylesheet, font or image is fetched."""

from __future__ import annotations

from html import escape

from integrations.outcome_metrics import OutcomeFigures, OutcomeReport
from worker.outcomes.charts import bars, rate_trend
from worker.outcomes.table import ROWS, shown

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; } figcaption { font-weight: bold; margin-bottom: 4px; }
.note { color: #555; font-size: 0.9em; }
"""


def _figures_table(columns: dict[str, OutcomeFigures], currency: str) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in columns)
    body = "".join(
        f"<tr><td>{escape(label)}</td>"
        + "".join(
            f"<td>{escape(shown(getattr(f, key), key, currency))}</td>" for f in columns.values()
        )
        + "</tr>"
        for key, label in ROWS
    )
    return f'<table data-table="figures"><tr><th>Metric</th>{head}</tr>{body}</table>'


def _counts_table(name: str, counts: dict[str, int]) -> str:
    rows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in counts.items())
    return (
        f'<table data-table="{name}"><tr><th>{escape(name)}</th><th>cases</th></tr>{rows}</table>'
    )


def _failed_replies_table(report: OutcomeReport) -> str:
    if not report.failed_replies:
        return (
            '<p class="note" data-table="failed-replies">'
            "None: every reply was delivered or is still queued.</p>"
        )
    rows = "".join(
        f"<tr><td>{escape(r.ticket_id)}</td><td>{r.message_id}</td>"
        f"<td>{r.queued_at:%Y-%m-%d %H:%M}</td><td>{r.attempts}</td>"
        f"<td>{escape(r.last_error or '')}</td></tr>"
        for r in report.failed_replies
    )
    return (
        '<table data-table="failed-replies"><tr><th>ticket</th><th>message</th>'
        f"<th>queued (UTC)</th><th>attempts</th><th>last error</th></tr>{rows}</table>"
    )


def render_html(report: OutcomeReport) -> str:
    o = report.overall
    columns = {"all": o} | report.slices
    period = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"
    by = f", by {report.by}" if report.by else ""
    charts = "".join(
        f"<figure><figcaption>{caption}</figcaption>{svg}</figure>"
        for caption, svg in (
            (
                "Resolution rate per day",
                rate_trend([(p.day, p.resolution_rate) for p in report.trend]),
            ),
            (
                "Escalations by reason",
                bars("escalations", "Escalations by reason", o.escalations_by_reason, "#d9822b"),
            ),
            (
                "Time to resolution",
                bars(
                    "resolution-time",
                    "Time to resolution",
                    report.resolution_time_histogram,
                    "#2da44e",
                ),
            ),
        )
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>supportflow outcomes report</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Support outcomes, {escape(period)}{escape(by)}</h1>"
        f'<p class="note">{o.cases} cases filed in the period; costs at '
        f"{escape(report.costs_version)} ({escape(report.currency)}).</p>"
        f'<div class="charts">{charts}</div>'
        f"<h2>Figures</h2>{_figures_table(columns, report.currency)}"
        f"<h2>Escalations by reason</h2>{_counts_table('reason', o.escalations_by_reason)}"
        f"<h2>Failure categories</h2>{_counts_table('failure', o.failure_categories)}"
        f"<h2>Replies that could not be delivered</h2>{_failed_replies_table(report)}"
        '<p class="note">How each figure and category is derived: docs/outcomes-report.md.</p>'
        "</body></html>"
    )
