"""Which workflows a client started, for servers that cannot list them.

The time-skipping test server has no visibility (ListWorkflowExecutions is unimplemented), so the
plain-text scan cannot ask it what it holds. This client interceptor records every workflow id
started through the client (start, signal-with-start, update-with-start); `runs_reached` then
walks from those ids to every run the server holds for them: the latest run, the runs it
continued from, and the child workflows each run started, recursively."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    StartWorkflowUpdateWithStartInput,
    WorkflowHistory,
)
from temporalio.service import RPCError, RPCStatusCode


class StartedWorkflows(Interceptor):
    def __init__(self) -> None:
        self.ids: set[str] = set()

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Recorder(next, self.ids)


class _Recorder(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, ids: set[str]) -> None:
        super().__init__(next)
        self._ids = ids

    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        self._ids.add(input.id)
        return await super().start_workflow(input)

    async def start_update_with_start_workflow(
        self, input: StartWorkflowUpdateWithStartInput
    ) -> Any:
        self._ids.add(input.start_workflow_input.id)
        return await super().start_update_with_start_workflow(input)


async def runs_reached(client: Client, workflow_ids: set[str]) -> AsyncIterator[WorkflowHistory]:
    """Every run of these workflows and of the children they started, each once."""
    pending: list[tuple[str, str | None]] = [(w, None) for w in sorted(workflow_ids)]
    seen: set[tuple[str, str]] = set()
    while pending:
        workflow_id, run_id = pending.pop()
        try:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                continue  # a start the server refused, or a run it no longer keeps
            raise
        started = history.events[0].workflow_execution_started_event_attributes
        key = (workflow_id, history.run_id)
        if key in seen:
            continue
        seen.add(key)
        yield history
        if started.continued_execution_run_id:
            pending.append((workflow_id, started.continued_execution_run_id))
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
                child = event.child_workflow_execution_started_event_attributes
                pending.append((child.workflow_execution.workflow_id, None))
