"""`supportflow handoff-report`: the review loop's figures for a period, from the CRM's hand-off
records (claim and resolve times, draft edit rate and distance, SLA breaches, reopens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from integrations.handoff_metrics import handoff_metrics
from worker.cli_exits import EXIT_USAGE, fail, load_settings, open_store


def _when(value: str | None, default: datetime) -> datetime:
    if value is None:
        return default
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"not an ISO date or time: {value!r}", EXIT_USAGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def handoff_report(
    since: Annotated[
        str | None, typer.Option(help="From (ISO date/time, UTC); default 30 days ago")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Until (ISO date/time, UTC); default now")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON")] = False,
) -> None:
    """Hand-off figures for a period from the CRM (database access only)."""
    now = datetime.now(UTC)
    start, end = _when(since, now - timedelta(days=30)), _when(until, now)
    if end <= start:
        fail("--until must be later than --since", EXIT_USAGE)
    store = open_store(load_settings())
    metrics = handoff_metrics(store.handoffs_opened(start, end))
    if as_json:
        typer.echo(metrics.model_dump_json(indent=2))
        return
    typer.echo(f"Hand-offs opened {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
    for name, value in metrics.model_dump().items():
        shown = (
            ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
        )
        typer.echo(f"  {name.replace('_', ' ')}: {'-' if shown is None else shown}")
