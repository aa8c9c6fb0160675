"""`supportflow report`: the outcomes report for a period, from the CRM's records of real runs
(resolution with no human touch, escalations by reason, response and resolution times, reopens,
human edits, approval latency, SLA breaches, cost per resolved case, failure categories), as a
table, JSON or a self-contained HTML page with charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from worker.cli_exits import EXIT_USAGE, fail, load_settings, open_store
from worker.cli_handoff_report import _when
from worker.outcomes.build import build_report, render


class SliceBy(StrEnum):
    intent = "intent"
    process = "process"
    tier = "tier"
    channel = "channel"


class Format(StrEnum):
    table = "table"
    json = "json"
    html = "html"


def report(
    since: Annotated[
        str | None, typer.Option(help="From (ISO date/time, UTC); default 30 days ago")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Until (ISO date/time, UTC); default now")
    ] = None,
    by: Annotated[SliceBy | None, typer.Option(help="One column per value of this")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, json or html")] = Format.table,
    out: Annotated[
        Path | None, typer.Option(help="Write to this file instead of printing it")
    ] = None,
    costs: Annotated[
        Path | None,
        typer.Option(help="Prices and rates (default policies/outcome_costs.json)"),
    ] = None,
) -> None:
    """Support outcomes for the tickets filed in a period (database access only)."""
    now = datetime.now(UTC)
    start, end = _when(since, now - timedelta(days=30)), _when(until, now)
    if end <= start:
        fail("--until must be later than --since", EXIT_USAGE)
    if costs is not None and not costs.is_file():
        fail(f"no such costs file: {costs}", EXIT_USAGE)
    store = open_store(load_settings())
    try:
        built = build_report(store, start, end, by.value if by else None, costs)
    except ValidationError as err:
        fail(f"invalid costs file {costs}: {err.error_count()} problem(s)\n{err}", EXIT_USAGE)
    except ValueError as err:
        fail(f"invalid costs file {costs}: {err}", EXIT_USAGE)
    text = render(built, fmt.value)
    if out is None:
        typer.echo(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        fail(f"cannot write {out}: {err.strerror}", EXIT_USAGE)
    typer.echo(f"Wrote the {fmt.value} report to {out}")
