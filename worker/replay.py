"""Replays a case's recorded history against the workflow code in this checkout.

A deploy that changes workflow code without `workflow.patched` breaks every case still running;
replaying real histories before shipping catches that. The Replayer runs with the worker's data
converter (pydantic + the encryption codec), or payloads would decode differently than in
production; histories recorded before encryption decode as they are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from worker.data_converter import data_converter


class ReplayReport(BaseModel):
    workflow_id: str
    run_id: str | None
    events: int
    ok: bool
    nondeterministic: bool = False
    failure: str | None = None


def case_workflows() -> list[type]:
    """Every workflow the worker registers: a history may belong to any of them."""
    from worker.worker_app import WORKFLOWS

    return list(WORKFLOWS)


async def fetch_history(
    client: Client, workflow_id: str, run_id: str | None = None
) -> WorkflowHistory:
    return await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()


def load_history_file(path: Path, workflow_id: str | None = None) -> WorkflowHistory:
    """A history exported from the Temporal UI / `temporal workflow show -o json`.

    Replays under the workflow id the history recorded (servers write it on the started event),
    else the file name: a workflow that derives ids from its own (TicketWorkflow names its
    child `refund-of-<id>`) only replays under the id it ran with."""
    data = json.loads(path.read_text())
    events = data.get("events") or [{}]
    started = events[0].get("workflowExecutionStartedEventAttributes") or {}
    return WorkflowHistory.from_json(workflow_id or started.get("workflowId") or path.stem, data)


async def replay(history: WorkflowHistory, workflows: Sequence[type]) -> ReplayReport:
    replayer = Replayer(workflows=list(workflows), data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    failure = result.replay_failure
    run_id = history.events[0].workflow_execution_started_event_attributes.original_execution_run_id
    return ReplayReport(
        workflow_id=history.workflow_id,
        run_id=run_id or None,
        events=len(history.events),
        ok=failure is None,
        nondeterministic=isinstance(failure, NondeterminismError),
        failure=None if failure is None else f"{type(failure).__name__}: {failure}",
    )


class ReplaySummary(BaseModel):
    """What `replay --all` found: every history replayed, and the ones that diverged."""

    query: str | None
    replayed: int
    failed: list[ReplayReport]

    @property
    def ok(self) -> bool:
        return not self.failed


async def replay_recent(
    client: Client, workflows: Sequence[type], query: str | None, limit: int
) -> ReplaySummary:
    """Replays the newest `limit` executions matching a visibility query (all types when None),
    fetched from the server one by one, against this checkout's workflow code."""
    replayed = 0
    failed: list[ReplayReport] = []
    known = {_workflow_name(w) for w in workflows}
    async for execution in client.list_workflows(query, limit=limit):
        if execution.workflow_type not in known:
            # Not ours (a probe, another team's type): there is no code to check it against.
            continue
        history = await fetch_history(client, execution.id, execution.run_id)
        report = await replay(history, workflows)
        replayed += 1
        if not report.ok:
            failed.append(report)
    return ReplaySummary(query=query, replayed=replayed, failed=failed)


def _workflow_name(cls: type) -> str:
    from temporalio import workflow

    return workflow._Definition.must_from_class(cls).name or ""
