"""How a chargeback ends on record: the CRM outcome (a lost one as money returned on the order)
and the note to the disputes channel."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.dispute_models import ChargebackNotice, DisputeInfo
    from activities.disputes import DisputeActivities
    from activities.models import AuditEntry, CaseOutcomeRecord, RefundResult
    from workflows.case.options import CHAT_OPTIONS, RECORD_OPTIONS


def resolution_of(dispute: DisputeInfo) -> str:
    funds = sum(dispute.funds_cents)
    won = dispute.status == "won"
    currency = dispute.currency.upper()
    return (
        f"Chargeback {dispute.status}: {dispute.amount_cents / 100:,.2f} {currency} "
        f"{'kept' if won else 'returned to the cardholder'}; "
        f"net funds {funds / 100:+,.2f} {currency} before fees."
    )


async def record_chargeback_outcome(
    dispute: DisputeInfo,
    *,
    ticket_id: str,
    customer_id: str | None,
    order_id: str | None,
    resolution: str,
    policy_version: str,
    audit: list[AuditEntry],
    channel: str | None,
) -> None:
    # A lost chargeback is money returned on the order: recorded like a refund, so the refund
    # limits count it.
    lost = None
    if dispute.status == "lost" and customer_id:
        lost = RefundResult(
            refund_id=dispute.dispute_id,
            charge_id=dispute.charge_id,
            amount_cents=dispute.amount_cents,
            currency=dispute.currency,
            status="chargeback_lost",
        )
    workflow_id = workflow.info().workflow_id
    await workflow.execute_activity_method(
        CrmActivities.record_case_outcome,
        CaseOutcomeRecord(
            ticket_id=ticket_id,
            workflow_id=workflow_id,
            customer_id=customer_id,
            order_id=order_id,
            status="resolved",
            resolution=resolution,
            policy_version=policy_version,
            refund=lost,
            audit=audit,
        ),
        summary=f"Record outcome: {dispute.status}",
        **RECORD_OPTIONS,
    )
    try:
        await workflow.execute_activity_method(
            DisputeActivities.notify_chargeback_channel,
            ChargebackNotice(
                ticket_id=ticket_id,
                workflow_id=workflow_id,
                dedupe_key=f"{workflow_id}:closed",
                channel=channel,
                text=resolution,
            ),
            summary="Tell the disputes channel",
            **CHAT_OPTIONS,
        )
    except ActivityError as err:  # the outcome is on record; the notice is best effort
        workflow.logger.warning("Chargeback notice failed: %s", err)
