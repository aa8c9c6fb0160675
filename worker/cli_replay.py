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
) -> None:
    """Replay a case's history against this checkout's workflow code; exit 1 if it diverges.

    Run it before deploying workflow changes: a nondeterministic change needs workflow.patched()
    or it breaks every case still running.
    """
    from worker.replay import case_workflows, fetch_history, load_history_file
    from worker.replay import replay as replay_history

    if (workflow_id is None) == (history_file is None):
        fail("give exactly one of --workflow-id or --history-file", EXIT_USAGE)

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
