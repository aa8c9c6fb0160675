"""The one step of a billing dispute that moves money: each wrong charge is put right once.

A refund goes through the refund process's own activity (`issue_refund`), a credit on the
customer's balance through `issue_credit`; both carry the same guarantees: a key bound to the
case and the charge (never the attempt) in Idempotency-Key and in the object's metadata, a
pre-check of Stripe for an object already carrying it, and a check after creating that only one
does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.billing_credits import BillingCreditActivities, IssueCreditInput
    from activities.models import IssueRefundInput
    from policies.billing_discrepancies import Discrepancy
    from policies.billing_dispute import BillingDisputePolicy
    from workflows.billing_dispute.contract import (
        Adjustment,
        BillingDisputeRequest,
        BillingDisputeStatus,
    )
    from workflows.case.options import MONEY_OPTIONS
    from workflows.case.record import CaseRecord


def adjustment_key(workflow_id: str, finding: Discrepancy) -> str:
    return f"{workflow_id}:adjust:{finding.charge_id}"


async def refund_excess(
    request: BillingDisputeRequest, finding: Discrepancy, approval_id: str | None
) -> Adjustment:
    workflow_id = workflow.info().workflow_id
    refund = await workflow.execute_activity_method(
        BillingActivities.issue_refund,
        IssueRefundInput(
            idempotency_key=adjustment_key(workflow_id, finding),
            charge_id=finding.charge_id,
            amount_cents=finding.excess_cents,
            currency=finding.currency,
            ticket_id=request.ticket_id,
            workflow_id=workflow_id,
            approval_request_id=approval_id,
        ),
        summary=f"Refund {finding.excess_cents} cents of {finding.charge_id} ({finding.kind})",
        **MONEY_OPTIONS,
    )
    return Adjustment(
        method="refund",
        charge_id=refund.charge_id,
        object_id=refund.refund_id,
        amount_cents=refund.amount_cents,
        currency=refund.currency,
        found_existing=refund.found_existing,
        order_id=finding.order_id,
    )


async def credit_excess(
    request: BillingDisputeRequest,
    finding: Discrepancy,
    stripe_customer_id: str,
    approval_id: str | None,
) -> Adjustment:
    workflow_id = workflow.info().workflow_id
    credit = await workflow.execute_activity_method(
        BillingCreditActivities.issue_credit,
        IssueCreditInput(
            idempotency_key=adjustment_key(workflow_id, finding),
            stripe_customer_id=stripe_customer_id,
            charge_id=finding.charge_id,
            amount_cents=finding.excess_cents,
            currency=finding.currency,
            description=f"Billing correction for {finding.charge_id} ({finding.kind})",
            ticket_id=request.ticket_id,
            workflow_id=workflow_id,
            approval_request_id=approval_id,
        ),
        summary=f"Credit {finding.excess_cents} cents for {finding.charge_id} ({finding.kind})",
        **MONEY_OPTIONS,
    )
    return Adjustment(
        method="credit",
        charge_id=finding.charge_id,
        object_id=credit.credit_id,
        amount_cents=credit.amount_cents,
        currency=credit.currency,
        found_existing=credit.found_existing,
        order_id=finding.order_id,
    )


async def adjust(
    request: BillingDisputeRequest,
    policy: BillingDisputePolicy,
    finding: Discrepancy,
    stripe_customer_id: str,
    approval_id: str | None,
) -> Adjustment:
    """Puts one wrong charge right the way the policy says for its kind."""
    if policy.method(finding.kind) == "credit":
        return await credit_excess(request, finding, stripe_customer_id, approval_id)
    return await refund_excess(request, finding, approval_id)


async def adjust_each(
    request: BillingDisputeRequest,
    policy: BillingDisputePolicy,
    findings: Sequence[Discrepancy],
    stripe_customer_id: Callable[[], str],
    approval_id: str | None,
    made: list[Adjustment],
    status: BillingDisputeStatus,
    record: CaseRecord,
) -> None:
    """Puts each wrong charge right in turn, appending to `made` (so a failure part-way
    leaves what was already made there) and noting each on the case."""
    for finding in findings:
        adjustment = await adjust(request, policy, finding, stripe_customer_id(), approval_id)
        made.append(adjustment)
        status.adjustments = list(made)
        record.note(
            "billing",
            f"{adjustment.method}_issued",
            f"{adjustment.object_id} {adjustment.amount_cents} {adjustment.currency}"
            + (" (found existing)" if adjustment.found_existing else ""),
        )
