"""Where a ticket's case stands, from the best source available.

A running case answers its `status` query (live, includes the pending approval). A closed case is
no longer queried: the CRM ticket row holds its final status, resolution, audit trail and reply.
If the worker is down, a running case still has its CaseState search attribute, kept current by
the workflow, so the caller gets a coarse answer instead of an error.

A triaged ticket (TicketWorkflow) answers with a TicketStatus: the route and why. When triage
started a process, that process runs as a child workflow with its own status, and the view
carries it too, so an approver sees the pending approval without knowing the child's id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, field_validator
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.service import RPCError, RPCStatusCode

from integrations.temporal_links import workflow_url
from worker.approval_refusals import CaseUnavailable
from worker.settings import Settings
from worker.status_views import ALWAYS_EMITTED, LiveStatus, as_view, live_status
from workflows.case.contract import STATUS_QUERY, CaseStatus, case_workflow_id
from workflows.search_attributes import CASE_STATE, PROCESS
from workflows.ticket.contract import TicketStatus

# A query needs a worker; when none answers in time the case is running but unattended.
QUERY_RPC_TIMEOUT = timedelta(seconds=3)
NO_ANSWER = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED}


class TicketReader(Protocol):
    """The CRM store's read side (integrations/crm_store): a pydantic ticket view or None, and
    the ticket's outbox with each message's delivery state."""

    def get_ticket(self, ticket_id: str) -> BaseModel | None: ...

    def list_outbox(self, ticket_id: str) -> Sequence[BaseModel]: ...


class CaseView(BaseModel):
    """`source` says which system answered: `workflow` (live query), `database` (CRM record of a
    closed case) or `search_attributes` (running case whose worker did not answer).

    `status` is the live status of the ticket's workflow as its process declares it, told apart
    by `kind`: `ticket` for a triaged ticket (route, why, triage, answer, hand-off), `case` for
    a refund filed directly, the process's name for the others. `process_status` is the live
    status of the process a ticket started (with its pending approval), while that process
    runs.

    `outbox` lists, for a running case, the messages it has queued so far with their delivery
    state (queued, sent or failed, attempts, provider message id, last error); a closed case
    carries the same list inside `record`."""

    model_config = ALWAYS_EMITTED

    ticket_id: str
    workflow_id: str
    source: Literal["workflow", "database", "search_attributes"]
    state: str
    workflow_status: str | None = None
    temporal_ui_url: str
    status: LiveStatus | None = None
    process_status: LiveStatus | None = None
    record: dict[str, Any] | None = None
    outbox: list[dict[str, Any]] | None = None

    @field_validator("status", "process_status", mode="before")
    @classmethod
    def _add_kind(cls, value: Any) -> Any:
        return as_view(value)


async def read_ticket(
    client: Client, store: TicketReader, settings: Settings, ticket_id: str
) -> CaseView | None:
    """None when neither Temporal nor the CRM knows the ticket.

    A ticket's case runs as `ticket-<id>`, except for processes with their own entry point (a
    chargeback `chargeback-dp_…`, an onboarding): their CRM ticket row names the workflow."""
    workflow_id = case_workflow_id(ticket_id)
    live, run_status = await _live_view(client, settings, ticket_id, workflow_id)
    if live is not None:
        return await _with_outbox(live, store)
    record = _as_dict(await asyncio.to_thread(store.get_ticket, ticket_id))
    own_id = record.get("workflow_id") if record is not None else None
    if run_status is None and isinstance(own_id, str) and own_id and own_id != workflow_id:
        workflow_id = own_id
        live, run_status = await _live_view(client, settings, ticket_id, workflow_id)
        if live is not None:
            return await _with_outbox(live, store)
    base = _base(client, settings, ticket_id, workflow_id)
    if record is not None:
        return CaseView(
            **base,
            source="database",
            state=str(record.get("status", "unknown")),
            workflow_status=run_status,
            record=record,
        )
    if run_status is None:
        return None
    coarse = await _from_search_attributes(client, workflow_id, base)
    return None if coarse is None else await _with_outbox(coarse, store)


async def _with_outbox(view: CaseView, store: TicketReader) -> CaseView:
    """A running case's view with what it has queued for the customer and how delivery went:
    the workflow does not know (delivery runs after it, from the CRM), the CRM does."""
    messages = await asyncio.to_thread(store.list_outbox, view.ticket_id)
    return view.model_copy(update={"outbox": [m.model_dump(mode="json") for m in messages]})


def _base(client: Client, settings: Settings, ticket_id: str, workflow_id: str) -> dict[str, str]:
    link = workflow_url(settings.temporal_ui_url, client.namespace, workflow_id)
    return {"ticket_id": ticket_id, "workflow_id": workflow_id, "temporal_ui_url": link}


async def _live_view(
    client: Client, settings: Settings, ticket_id: str, workflow_id: str
) -> tuple[CaseView | None, str | None]:
    """The running case's view, or None and what Temporal said of the run (None: not found)."""
    try:
        raw = await client.get_workflow_handle(workflow_id).query(
            STATUS_QUERY,
            result_type=dict[str, Any],
            reject_condition=QueryRejectCondition.NOT_OPEN,
            rpc_timeout=QUERY_RPC_TIMEOUT,
        )
    except WorkflowQueryRejectedError as closed:
        return None, closed.status.name if closed.status else None
    except WorkflowQueryFailedError:
        return None, "RUNNING"
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None, None
        if err.status in NO_ANSWER:
            return None, "RUNNING"
        raise CaseUnavailable(f"Temporal did not answer for ticket {ticket_id}: {err}") from err
    status = live_status(raw)
    view = CaseView(
        **_base(client, settings, ticket_id, workflow_id),
        source="workflow",
        state=status.state,
        workflow_status="RUNNING",
        status=status,
        process_status=await _process_status(client, status),
    )
    return view, "RUNNING"


async def _process_status(client: Client, status: CaseStatus) -> CaseStatus | None:
    """The child process's live status, or None: no child, or it has not started yet, already
    closed, or does not answer. Best effort: the ticket's own status is the answer either way."""
    child_id = status.process_workflow_id if isinstance(status, TicketStatus) else None
    if child_id is None:
        return None
    try:
        raw = await client.get_workflow_handle(child_id).query(
            STATUS_QUERY,
            result_type=dict[str, Any],
            reject_condition=QueryRejectCondition.NOT_OPEN,
            rpc_timeout=QUERY_RPC_TIMEOUT,
        )
    except (WorkflowQueryRejectedError, WorkflowQueryFailedError, RPCError):
        return None
    return live_status(raw)


async def _from_search_attributes(
    client: Client, workflow_id: str, base: dict[str, str]
) -> CaseView | None:
    try:
        description = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise CaseUnavailable(f"Temporal did not describe {workflow_id}: {err}") from err
    attributes = description.typed_search_attributes
    status: WorkflowExecutionStatus | None = description.status
    return CaseView(
        **base,
        source="search_attributes",
        state=attributes.get(CASE_STATE) or "received",
        workflow_status=status.name if status else None,
        record={"process": attributes.get(PROCESS)},
    )


def _as_dict(view: BaseModel | None) -> dict[str, Any] | None:
    return None if view is None else view.model_dump(mode="json")
