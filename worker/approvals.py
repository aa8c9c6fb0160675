"""Turns an approver's decision (API, CLI or Slack) into the case's `decide_approval` Update.

The workflow's Update validator is the single authority on who may decide what; this module only
finds the right workflow, names the refusal in terms a caller can act on, and leaves a trace of
refused attempts in the CRM audit log (a refused Update is, by design, absent from history).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Protocol

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryRejectedError,
)
from temporalio.common import QueryRejectCondition
from temporalio.service import RPCError, RPCStatusCode

from worker.approval_refusals import ApprovalRefused, CaseUnavailable, refusal_from
from worker.approval_submissions import ApproveSubmission, RejectSubmission
from worker.case_updates import UPDATE_RPC_TIMEOUT, update_answers
from workflows.case.contract import (
    DECIDE_APPROVAL_UPDATE,
    STATUS_QUERY,
    ApprovalDecision,
    ApprovalReceipt,
    CaseStatus,
    case_workflow_id,
)

log = logging.getLogger("supportflow.approvals")

# An Update waits for a worker to run the validator; without one it would hang the caller.
QUERY_RPC_TIMEOUT = timedelta(seconds=5)


class PendingApprovalRow(Protocol):
    request_id: str
    workflow_id: str


class ApprovalStore(Protocol):
    """What approvals need from the CRM store (integrations/crm_store)."""

    def pending_approval_for_ticket(self, ticket_id: str) -> PendingApprovalRow | None: ...

    def record_refused_approval(
        self,
        ticket_id: str,
        actor: str,
        channel: str,
        request_id: str | None,
        reason_code: str,
        message: str,
    ) -> Any: ...


async def case_workflow_for(client: Client, store: ApprovalStore, ticket_id: str) -> str:
    """The pending approval row names the exact workflow. Without one yet (a triaged refund
    shows `awaiting_approval` a moment before its row is written), ask the ticket's case which
    process workflow it started; otherwise the case itself decides."""
    pending = await asyncio.to_thread(store.pending_approval_for_ticket, ticket_id)
    if pending is not None:
        return pending.workflow_id
    case_id = case_workflow_id(ticket_id)
    try:
        status = await client.get_workflow_handle(case_id).query(
            STATUS_QUERY, result_type=dict, rpc_timeout=QUERY_RPC_TIMEOUT
        )
    except Exception:  # closed, unknown or unreachable: the Update reports it precisely
        return case_id
    child = status.get("process_workflow_id") if isinstance(status, dict) else None
    return child if isinstance(child, str) and child else case_id


async def pending_request_id(client: Client, store: ApprovalStore, ticket_id: str) -> str:
    """The id of the approval request the case is waiting on, asked of the workflow itself so an
    approver on the API or CLI decides on the current request, never a superseded one."""
    workflow_id = await case_workflow_for(client, store, ticket_id)
    handle = client.get_workflow_handle(workflow_id)
    try:
        status = await handle.query(
            STATUS_QUERY,
            result_type=CaseStatus,
            reject_condition=QueryRejectCondition.NOT_OPEN,
            rpc_timeout=QUERY_RPC_TIMEOUT,
        )
    except WorkflowQueryRejectedError as closed:
        raise await _closed_case_refusal(handle, ticket_id) from closed
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApprovalRefused(
                "no_pending_approval", f"Ticket {ticket_id} has no case waiting for approval."
            ) from err
        raise CaseUnavailable(f"Could not ask the case for its approval request: {err}") from err
    if status.state == "expired":
        # The deadline passed; the case is finishing (its message is being updated).
        raise ApprovalRefused("expired", f"The approval request on ticket {ticket_id} expired.")
    if status.pending_approval is None or status.state != "awaiting_approval":
        raise ApprovalRefused(
            "no_pending_approval",
            f"Ticket {ticket_id} is not waiting for an approval (state: {status.state}).",
        )
    return status.pending_approval.request_id


async def decide(
    client: Client,
    store: ApprovalStore,
    ticket_id: str,
    submission: ApproveSubmission | RejectSubmission,
    *,
    approver: str,
    channel: str,
) -> ApprovalReceipt:
    """API/CLI entry: `approver` is the authenticated person's canonical id. Fills in the pending
    request id when the caller gave none, then decides."""
    request_id = submission.request_id
    if request_id is None:
        try:
            request_id = await pending_request_id(client, store, ticket_id)
        except ApprovalRefused as refused:
            await _record_refusal(store, ticket_id, approver, channel, None, refused)
            raise
    decision = ApprovalDecision(
        request_id=request_id,
        approver=approver,
        decision=submission.decision,
        reason=submission.reason,
        amount_cents=submission.amount_cents,
        channel=channel,
    )
    return await submit_decision(client, store, ticket_id, decision)


async def submit_decision(
    client: Client, store: ApprovalStore, ticket_id: str, decision: ApprovalDecision
) -> ApprovalReceipt:
    """Runs the `decide_approval` Update; refusals are recorded and raised as ApprovalRefused."""
    workflow_id = await case_workflow_for(client, store, ticket_id)
    try:
        return await _execute_update(client, workflow_id, ticket_id, decision)
    except ApprovalRefused as refused:
        await _record_refusal(
            store, ticket_id, decision.approver, decision.channel, decision.request_id, refused
        )
        raise


async def _record_refusal(
    store: ApprovalStore,
    ticket_id: str,
    actor: str,
    channel: str,
    request_id: str | None,
    refused: ApprovalRefused,
) -> None:
    """Best effort: the refusal is the caller's answer either way, and an audit write failing
    (database briefly down) must not turn a clear 403/409 into a server error."""
    try:
        await asyncio.to_thread(
            store.record_refused_approval,
            ticket_id,
            actor,
            channel,
            request_id,
            refused.code,
            refused.message,
        )
    except Exception:
        log.exception("could not audit refused approval on ticket %s by %s", ticket_id, actor)


async def _execute_update(
    client: Client, workflow_id: str, ticket_id: str, decision: ApprovalDecision
) -> ApprovalReceipt:
    handle = client.get_workflow_handle(workflow_id)

    async def refused(cause: BaseException) -> Exception:
        return refusal_from(cause)

    async with update_answers(
        ticket_id,
        "decision",
        refused=refused,
        missing=lambda: _missing_case_refusal(client, workflow_id, ticket_id),
    ):
        return await handle.execute_update(
            DECIDE_APPROVAL_UPDATE,
            decision,
            # The same person repeating the same decision (a retried request, a double click)
            # gets the first receipt back instead of a refusal: Temporal dedupes Update ids.
            id=f"decide:{decision.request_id}:{decision.approver}:{decision.decision}",
            result_type=ApprovalReceipt,
            rpc_timeout=UPDATE_RPC_TIMEOUT,
        )


async def _missing_case_refusal(
    client: Client, workflow_id: str, ticket_id: str
) -> ApprovalRefused:
    """NOT_FOUND covers both a closed run and no run at all; describe tells them apart."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        await handle.describe()
    except RPCError:
        return ApprovalRefused(
            "no_pending_approval", f"Ticket {ticket_id} has no case waiting for approval."
        )
    return await _closed_case_refusal(handle, ticket_id)


async def _closed_case_refusal(handle: WorkflowHandle[Any, Any], ticket_id: str) -> ApprovalRefused:
    """A closed case refuses every decision; say `expired` when that is why it closed, so an
    approver clicking late learns the deadline passed rather than that someone else decided.

    The case's own result says so (no worker needed to read it): a refund process that ended
    `expired`, or a ticket whose refund process did. A ticket that closed `expired` for another
    reason (no customer reply) had no approval to expire.
    """
    try:
        result = await asyncio.wait_for(
            handle.result(follow_runs=False), QUERY_RPC_TIMEOUT.total_seconds()
        )
    except Exception:  # failed, terminated or unreadable: closed is all we can say
        result = None
    if isinstance(result, dict):
        process = result.get("process_outcome") if "route" in result else result
        if isinstance(process, dict) and process.get("state") == "expired":
            return ApprovalRefused(
                "expired",
                f"The approval request on ticket {ticket_id} expired; no refund was made.",
            )
    return ApprovalRefused("case_closed", f"The case for ticket {ticket_id} is closed.")
