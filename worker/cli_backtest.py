"""`supportflow backtest`: what a candidate policy would have decided on every past case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from worker.backtest import (
    POLICY_MODELS,
    BacktestRun,
    CandidateRefused,
    gather_cases,
    load_candidate,
    run_backtest,
)
from worker.backtest_table import report_lines
from worker.cli_exits import EXIT_USAGE, fail, load_settings, open_store, run_async

FORMATS = ("table", "json")


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since is not an ISO date or time: {value!r}", EXIT_USAGE)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def backtest(
    policy: Annotated[Path, typer.Option("--policy", help="The candidate policy JSON file")],
    process: Annotated[
        str, typer.Option(help="The process whose cases to replay: refund or billing_dispute")
    ] = "refund",
    since: Annotated[
        str | None, typer.Option(help="Only cases decided from (ISO date/time, UTC)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    histories: Annotated[
        bool,
        typer.Option(
            "--histories/--no-histories",
            help="Read facts the CRM lacks (cases decided before they were recorded) from "
            "Temporal histories",
        ),
    ] = True,
    limit: Annotated[int, typer.Option(min=1, help="Changed cases listed in the table")] = 50,
) -> None:
    """Decide every past case again under a candidate policy, on the facts it was decided on,
    and print what would change. Reads the CRM (database access) and, for cases without
    recorded facts, Temporal histories; never moves money or writes anything."""
    if process not in POLICY_MODELS:
        fail(f"--process must be one of {', '.join(POLICY_MODELS)}, not {process!r}", EXIT_USAGE)
    if output not in FORMATS:
        fail(f"--format must be table or json, not {output!r}", EXIT_USAGE)
    start = _since(since)
    try:
        candidate = load_candidate(policy, process)
    except CandidateRefused as refused:
        fail(f"candidate policy refused: {refused}", EXIT_USAGE)
    store = open_store(load_settings())
    try:
        cases, from_history, without, skipped = run_async(
            lambda: gather_cases(store, process, start, histories)
        )
    finally:
        store.dispose()
    if skipped and without:
        typer.secho(
            f"warning: {len(without)} case(s) have no recorded facts and Temporal was not "
            f"read ({skipped}); they are left out",
            fg=typer.colors.YELLOW,
            err=True,
        )
    run = BacktestRun(
        report=run_backtest(candidate, cases, start),
        from_history=from_history,
        without_facts=without,
    )
    if output == "json":
        typer.echo(run.model_dump_json(indent=2))
        return
    for line in report_lines(run, limit):
        typer.echo(line)
