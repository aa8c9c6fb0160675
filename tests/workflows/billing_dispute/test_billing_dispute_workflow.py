"""BillingDisputeWorkflow on the time-skipping server: a duplicate refunded on its own, an
over-charge refunded after approval (or not, when rejected), and an itemised answer when nothing
is wrong. Outcomes are asserted in Stripe (refunds on the charges) and the CRM (outbox, refund
rows), not only in what the workflow returns."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from integrations.crm_store import CrmStore
from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY, StripeBilling
from integrations.stripe_credits import StripeCredits
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.billing_dispute.conftest import DisputeRunner, dispute_status
from workflows.case.contract import ApprovalDecision, ApprovalReceipt


async def _awaiting_approval(handle):  # type: ignore[no-untyped-def]
    for _ in range(200):
        status = await dispute_status(handle)
        if status.state == "awaiting_approval" and status.pending_approval is not None:
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"never waited for approval: {status}")


async def test_duplicate_charge_is_refunded_once_without_approval(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    handle = await disputes.start(case.request)
    outcome = await handle.result()

    assert outcome.state == "resolved"
    assert [f.kind for f in outcome.findings] == ["duplicate_charge"]
    duplicate = outcome.findings[0].charge_id
    assert duplicate in case.charges and outcome.findings[0].matches_charge_id in case.charges
    assert [(a.method, a.charge_id, a.amount_cents) for a in outcome.adjustments] == [
        ("refund", duplicate, 2_500)
    ]
    refunds = stripe_billing.list_refunds(duplicate)
    assert len(refunds) == 1 and refunds[0].amount_cents == 2_500
    assert refunds[0].metadata[IDEMPOTENCY_METADATA_KEY] == f"{handle.id}:adjust:{duplicate}"
    other = next(c for c in case.charges if c != duplicate)
    assert stripe_billing.list_refunds(other) == []
    [reply] = crm_store.list_outbox(case.request.ticket_id)
    assert "charged twice" in reply.body and refunds[0].refund_id in reply.body
    assert crm_store.get_ticket(case.request.ticket_id).status == "resolved"  # type: ignore[union-attr]
    await disputes.keep(handle, "duplicate_auto_adjusted")


async def test_over_charge_waits_for_approval_then_refunds_the_difference(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=10_000, charged_cents=[40_000]
    )
    handle = await disputes.start(case.request)
    status = await _awaiting_approval(handle)
    pending = status.pending_approval
    assert pending is not None and pending.amount_cents == 30_000 and pending.level == "single"
    assert stripe_billing.list_refunds(case.charges[0]) == []

    receipt = await handle.execute_update(
        "decide_approval",
        ApprovalDecision(request_id=pending.request_id, approver="alice", decision="approve"),
        result_type=ApprovalReceipt,
    )
    assert receipt.status == "approved"
    outcome = await handle.result()

    assert outcome.state == "resolved"
    assert [f.kind for f in outcome.findings] == ["above_order_total"]
    [refund] = stripe_billing.list_refunds(case.charges[0])
    assert refund.amount_cents == 30_000
    [reply] = crm_store.list_outbox(case.request.ticket_id)
    assert "too much" in reply.body and "300.00 USD" in reply.body
    await disputes.keep(handle, "over_charge_approved")


async def test_rejected_adjustment_moves_no_money(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=10_000, charged_cents=[40_000]
    )
    handle = await disputes.start(case.request)
    pending = (await _awaiting_approval(handle)).pending_approval
    assert pending is not None
    await handle.execute_update(
        "decide_approval",
        ApprovalDecision(
            request_id=pending.request_id, approver="bob", decision="reject", reason="checked"
        ),
    )
    outcome = await handle.result()
    assert outcome.state == "rejected" and outcome.adjustments == []
    assert stripe_billing.list_refunds(case.charges[0]) == []


async def test_nothing_wrong_gets_an_itemised_answer(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=4_200, charged_cents=[4_200]
    )
    handle = await disputes.start(case.request)
    outcome = await handle.result()
    assert outcome.state == "resolved" and outcome.findings == [] and outcome.adjustments == []
    assert stripe_billing.list_refunds(case.charges[0]) == []
    [reply] = crm_store.list_outbox(case.request.ticket_id)
    assert case.charges[0] in reply.body and "42.00 USD" in reply.body
    await disputes.keep(handle, "nothing_found")


async def test_unrecognised_charge_goes_to_a_person(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    request = case.request.model_copy(update={"complaint": "unrecognised_charge"})
    outcome = await (await disputes.start(request)).result()
    assert outcome.state == "escalated" and outcome.adjustments == []
    assert all(stripe_billing.list_refunds(c) == [] for c in case.charges)


@pytest.mark.parametrize(
    "policy_changes",
    [{"adjustments": {"duplicate_charge": "credit"}, "version": "credit-duplicates"}],
    indirect=True,
)
async def test_policy_may_credit_the_balance_instead_of_refunding(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=1_800, charged_cents=[1_800, 1_800]
    )
    handle = await disputes.start(case.request)
    outcome = await handle.result()

    assert outcome.state == "resolved" and outcome.policy_version.startswith("credit-duplicates@")  # type: ignore[union-attr]
    [adjustment] = outcome.adjustments
    assert (adjustment.method, adjustment.amount_cents) == ("credit", 1_800)
    assert all(stripe_billing.list_refunds(c) == [] for c in case.charges)
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)
    key = f"{handle.id}:adjust:{adjustment.charge_id}"
    [credit] = credits.balance_credits_with_key(case.customer.stripe_customer_id, key)
    assert (credit.credit_id, credit.amount_cents) == (adjustment.object_id, 1_800)
    [reply] = crm_store.list_outbox(case.request.ticket_id)
    assert "credited 18.00 USD to your account balance" in reply.body
    # One CRM row per adjustment, so a refund case on the order counts the credit.
    [row] = crm_store.list_refunds(case.request.ticket_id)
    assert (row.refund_id, row.status, row.amount_cents) == (credit.credit_id, "credited", 1_800)
    assert row.order_id == f"ord_{case.customer.customer_id.removeprefix('cus_')}"
    await disputes.keep(handle, "duplicate_credited")


async def test_earlier_adjustments_count_toward_the_limits(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    """25.00 alone is adjusted without a person; after 30.00 credited by an earlier case in the
    window, the same 25.00 needs an approver (the whole, not the part, meets the limit)."""
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    StripeCredits(SANDBOX_API_KEY, stripe_sandbox).credit_balance(
        case.customer.stripe_customer_id, 3_000, "usd", "ticket-T-earlier:adjust:ch_x", "x", {}
    )
    handle = await disputes.start(case.request)
    status = await _awaiting_approval(handle)
    assert status.decision_rule == "single_approval_required"
    assert "brings adjustments on these charges to 55.00" in (status.decision_reason or "")
    assert status.pending_approval is not None and status.pending_approval.amount_cents == 2_500
    assert all(stripe_billing.list_refunds(c) == [] for c in case.charges)


async def test_an_order_another_case_is_paying_is_left_to_a_person(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    """One money case per order: a refund case holds the order, so the dispute moves nothing."""
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    order_id = f"ord_{case.customer.customer_id.removeprefix('cus_')}"
    crm_store.hold_order(
        order_id=order_id,
        workflow_id="ticket-T-other",
        ticket_id="T-other",
        customer_id=case.customer.customer_id,
        process="refund",
        amount_cents=2_500,
        now=await disputes.env.get_current_time(),
        stale_after=timedelta(days=3),
    )
    outcome = await (await disputes.start(case.request)).result()
    assert outcome.state == "escalated" and "T-other" in outcome.resolution
    assert outcome.adjustments == []
    assert all(stripe_billing.list_refunds(c) == [] for c in case.charges)


async def _approve_after_staff_refund(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling, paid: int
):  # type: ignore[no-untyped-def]
    """A 300.00 over-charge waits for approval; meanwhile a person pays `paid` back in Stripe
    directly; then the approver approves."""
    case = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=10_000, charged_cents=[40_000]
    )
    handle = await disputes.start(case.request)
    pending = (await _awaiting_approval(handle)).pending_approval
    assert pending is not None and pending.amount_cents == 30_000
    stripe_billing.create_refund(case.charges[0], paid, f"staff-{case.charges[0]}", {})
    await handle.execute_update(
        "decide_approval",
        ApprovalDecision(request_id=pending.request_id, approver="alice", decision="approve"),
    )
    return case, handle, await handle.result()


async def test_money_paid_back_while_the_approval_waited_is_not_paid_again(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case, handle, outcome = await _approve_after_staff_refund(
        disputes, crm_store, stripe_billing, paid=10_000
    )
    assert outcome.state == "resolved"
    assert [a.amount_cents for a in outcome.adjustments] == [20_000]
    refunds = stripe_billing.list_refunds(case.charges[0])
    assert sorted(r.amount_cents for r in refunds) == [10_000, 20_000]
    await disputes.keep(handle, "over_charge_partly_paid_meanwhile")


@pytest.mark.parametrize(
    "policy_changes",
    [{"adjustments": {"above_order_total": "credit"}, "version": "credit-overcharges"}],
    indirect=True,
)
async def test_a_credit_is_not_given_for_a_charge_paid_back_while_the_approval_waited(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    case, handle, outcome = await _approve_after_staff_refund(
        disputes, crm_store, stripe_billing, paid=30_000
    )
    assert outcome.state == "escalated" and outcome.adjustments == []
    assert "paid back while the approval waited" in outcome.resolution
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)
    key = f"{handle.id}:adjust:{case.charges[0]}"
    assert credits.balance_credits_with_key(case.customer.stripe_customer_id, key) == []
    assert crm_store.list_refunds(case.request.ticket_id) == []
