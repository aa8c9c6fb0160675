"""What a chargeback case reads before it decides: the dispute as Stripe has it now, and the
customer's CRM case it is filed under."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.dispute_models import ChargebackEvidence, DisputeInfo, DisputeRef
    from activities.disputes import DisputeActivities
    from activities.models import CustomerContext, OpenCaseInput
    from workflows.case.failures import failure_reason
    from workflows.case.options import READ_OPTIONS
    from workflows.case.record import CaseRecord
    from workflows.chargeback.contract import ChargebackRequest, ChargebackStatus


async def read_dispute(
    request: ChargebackRequest, status: ChargebackStatus, record: CaseRecord
) -> DisputeInfo:
    """The dispute from Stripe (never from the event that woke the case), shown on the status."""
    dispute = await workflow.execute_activity_method(
        DisputeActivities.get_dispute,
        DisputeRef(dispute_id=request.dispute_id),
        summary="Read the dispute from Stripe",
        **READ_OPTIONS,
    )
    status.charge_id, status.dispute_reason, status.dispute_status = (
        dispute.charge_id, dispute.reason, dispute.status,
    )  # fmt: skip
    status.amount_cents, status.currency, status.due_by = (
        dispute.amount_cents,
        dispute.currency,
        dispute.due_by,
    )
    record.set_state(status.state)
    return dispute


async def open_chargeback_case(
    ticket_id: str, dispute: DisputeInfo, evidence: ChargebackEvidence, record: CaseRecord
) -> CustomerContext | None:
    """The CRM case; None (noted) when the charge's customer is not in the CRM."""
    try:
        return await workflow.execute_activity_method(
            CrmActivities.open_case,
            OpenCaseInput(
                ticket_id=ticket_id,
                workflow_id=workflow.info().workflow_id,
                process="chargeback",
                customer_id=evidence.customer_id or "unknown",
                order_id=evidence.order_id,
                subject=f"Chargeback {dispute.dispute_id} ({dispute.reason})",
                body="",
                requested_by="stripe",
            ),
            summary="Open the chargeback case in the CRM",
            **READ_OPTIONS,
        )
    except ActivityError as err:
        record.note("crm", "customer_unknown", failure_reason(err))
        return None
