"""What a ticket writes to the CRM: audit batches, messages to the customer that keep the case
open, and the final outcome with its reply. Every write carries a key minted from the workflow
id, so a retried activity writes once."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.handoff import HandoffActivities
    from activities.models import (
        AuditBatch,
        AuditEntry,
        CaseOutcomeRecord,
        CaseState,
        CustomerReply,
    )
    from activities.ticket_models import CustomerMessageInput
    from workflows.case.options import RECORD_OPTIONS
    from workflows.ticket import replies
    from workflows.ticket.contract import TicketRequest


async def queue_message(request: TicketRequest, key: str, reply: CustomerReply) -> None:
    wf_id = workflow.info().workflow_id
    await workflow.execute_activity_method(
        HandoffActivities.queue_customer_message,
        CustomerMessageInput(
            ticket_id=request.ticket_id,
            workflow_id=wf_id,
            dedupe_key=f"{wf_id}:{key}",
            reply=replies.with_card_notice(reply, request.card_data_removed),
        ),
        **RECORD_OPTIONS,
    )


async def write_audit(
    request: TicketRequest, step: str, entries: list[AuditEntry], policy_version: str | None
) -> None:
    wf_id = workflow.info().workflow_id
    await workflow.execute_activity_method(
        CrmActivities.record_audit,
        AuditBatch(
            ticket_id=request.ticket_id,
            workflow_id=wf_id,
            policy_version=policy_version,
            entries=entries,
            dedupe_key=f"{wf_id}:{step}",
        ),
        **RECORD_OPTIONS,
    )


async def record_ticket_outcome(
    request: TicketRequest,
    *,
    state: CaseState,
    resolution: str,
    order_id: str | None,
    policy_version: str | None,
    audit: list[AuditEntry],
    reply: CustomerReply | None,
) -> None:
    await workflow.execute_activity_method(
        CrmActivities.record_case_outcome,
        CaseOutcomeRecord(
            ticket_id=request.ticket_id,
            workflow_id=workflow.info().workflow_id,
            customer_id=request.customer_id,
            order_id=order_id,
            status=state,
            resolution=resolution,
            policy_version=policy_version,
            audit=audit,
            reply=replies.with_card_notice(reply, request.card_data_removed),
        ),
        **RECORD_OPTIONS,
    )
