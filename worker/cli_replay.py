"""`supportflow replay`: check a case's history against this checkout's workflow code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from temporalio.service import RPCError

from worker.cli_exits import EXIT_REFUSED, EXIT_USAGE, fail, run_async
from worker.temporal_gate import connect_or_explain


def replay(
    workflow_id: Annotated[
        str | None, typer.Option(help="Fetch this workflow's history from Temporal")
    ] = None,
    run_id: Annotated[str | None, typer.Option(help="A specific run (default: the latest)")] = None,
    history_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Replay a history JSON file instead"),
    ] = None,
    replay_all: Annotated[
        bool,
        typer.Option(
            "--all", help="Replay the newest executions on the server (all, or --query's)"
        ),
    ] = False,
    query: Annotated[
        str | None,
        typer.Option(
            help="With --all: a visibility query, e.g. "
            '\'WorkflowType="RefundWorkflow" AND ExecutionStatus="Running"\''
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=100_000, help="With --all: at most this many executions")
    ] = 1000,
) -> None:
    """Replay a case's history against this checkout's workflow code; exit 1 if it diverges.

    Run it before deploying workflow changes: a nondeterministic change needs workflow.patched()
    or it breaks every case still running.
    """
    from worker.replay import case_workflows, fetch_history, load_history_file
    from worker.replay import replay as replay_history

    if replay_all:
        if workflow_id is not None or history_file is not None:
            fail(
                "--all replays from the server; leave out --workflow-id/--history-file", EXIT_USAGE
            )
        _replay_all(query, limit)
        return
    if query is not None:
        fail("--query only goes with --all", EXIT_USAGE)
    if (workflow_id is None) == (history_file is None):
        fail("give exactly one of --workflow-id or --history-file (or --all)", EXIT_USAGE)

    async def work() -> Any:
        if history_file is not None:
            history = load_history_file(history_file, workflow_id)
        else:
            assert workflow_id is not None
            client = await connect_or_explain()
            try:
                history = await fetch_history(client, workflow_id, run_id)
            except RPCError as err:
                fail(f"cannot fetch history of {workflow_id}: {err.message}", EXIT_REFUSED)
        return await replay_history(history, case_workflows())

    report = run_async(work)
    if report.ok:
        typer.echo(f"Replayed {report.workflow_id} ({report.events} events): deterministic")
        return
    kind = "NONDETERMINISTIC" if report.nondeterministic else "replay failed"
    fail(
        f"{report.workflow_id} ({report.events} events) {kind} against the current code: "
        f"{report.failure}\nA change to workflow code needs workflow.patched() for running cases.",
        EXIT_REFUSED,
    )


def _replay_all(query: str | None, limit: int) -> None:
    """Before a deploy: every recent history must replay on the new code, or the deploy would
    break the cases still running (exit 1 names each one that diverged)."""
    from worker.replay import case_workflows, replay_recent

    async def work() -> Any:
        client = await connect_or_explain()
        try:
            return await replay_recent(client, case_workflows(), query, limit)
        except RPCError as err:
            fail(f"cannot list workflows for {query!r}: {err.message}", EXIT_USAGE)

    summary = run_async(work)
    scope = f"matching {summary.query!r}" if summary.query else "on the server"
    if summary.ok:
        typer.echo(f"Replayed {summary.replayed} executions {scope}: all deterministic")
        return
    for report in summary.failed:
        kind = "NONDETERMINISTIC" if report.nondeterministic else "replay failed"
        typer.echo(f"{report.workflow_id} ({report.run_id}): {kind}: {report.failure}", err=True)
    fail(
        f"{len(summary.failed)} of {summary.replayed} executions {scope} do not replay on this "
        "code; a change to workflow code needs workflow.patched() for running cases.",
        EXIT_REFUSED,
    )
