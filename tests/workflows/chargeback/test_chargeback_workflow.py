"""ChargebackWorkflow on the time-skipping server with real activities, the CRM (SQLite) and
the Stripe sandbox's disputes: asserts in Stripe and the CRM, not only in return values."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.stripe_disputes import StripeDisputes
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.chargeback.conftest import Chargebacks, wait_for_state
from worker.local_stack.stripe_extras.helpers import extras_call
from workflows.case.contract import ApprovalDecision, ApprovalReceipt
from workflows.chargeback.contract import chargeback_ticket_id


async def test_reviewer_contests_and_the_evidence_is_submitted_once(
    chargebacks: Chargebacks, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    disputed = await chargebacks.dispute(crm_store, stripe_billing)
    handle = await chargebacks.signal(disputed.dispute_id)
    await chargebacks.signal(disputed.dispute_id, "funds_withdrawn")
    status = await wait_for_state(handle, "awaiting_approval")
    assert status.recommended_action == "contest" and status.pending_approval is not None
    assert {"receipt", "product_description", "refund_policy"} <= set(status.evidence_fields)
    assert status.due_by == disputed.due_by

    receipt = await handle.execute_update(
        "decide_approval",
        ApprovalDecision(
            request_id=status.pending_approval.request_id, approver="alice", decision="approve"
        ),
        result_type=ApprovalReceipt,
    )
    assert receipt.status == "approved"
    await wait_for_state(handle, "in_process")
    stripe = StripeDisputes(SANDBOX_API_KEY, chargebacks.stripe)
    for _ in range(200):
        if stripe.get_dispute(disputed.dispute_id).submission_count:
            break
        await asyncio.sleep(0.05)
    extras_call(
        chargebacks.stripe, f"/_extras/disputes/{disputed.dispute_id}/settle", {"status": "won"}
    )
    await chargebacks.signal(disputed.dispute_id, "closed", "won")
    outcome = await handle.result()
    await chargebacks.keep(handle, "contested_won")

    dispute = stripe.get_dispute(disputed.dispute_id)
    assert dispute.submission_count == 1 and dispute.status == "won"
    assert dispute.evidence["receipt"].startswith(f"Order {disputed.case.request.order_id}")
    assert (outcome.dispute_status, outcome.action, outcome.action_by) == (
        "won",
        "contest",
        "reviewer",
    )
    ticket = crm_store.get_ticket(chargeback_ticket_id(disputed.dispute_id))
    assert ticket is not None and ticket.status == "resolved"
    actions = [entry.action for entry in ticket.audit]
    assert "evidence_submitted" in actions and "charge.dispute.funds_withdrawn" in actions
    assert crm_store.list_refunds(chargeback_ticket_id(disputed.dispute_id)) == []


async def test_without_a_decision_the_policy_default_runs_before_the_deadline(
    chargebacks: Chargebacks, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    disputed = await chargebacks.dispute(crm_store, stripe_billing)
    handle = await chargebacks.signal(disputed.dispute_id)
    await wait_for_state(handle, "awaiting_approval")
    # Nobody decides; Stripe closes the dispute later, which the periodic re-read finds.
    stripe = StripeDisputes(SANDBOX_API_KEY, chargebacks.stripe)
    task = asyncio.ensure_future(handle.result())  # lets the server skip time
    for _ in range(400):
        if stripe.get_dispute(disputed.dispute_id).submission_count:
            break
        await asyncio.sleep(0.05)
    extras_call(
        chargebacks.stripe, f"/_extras/disputes/{disputed.dispute_id}/settle", {"status": "lost"}
    )
    outcome = await task
    await chargebacks.keep(handle, "default_before_deadline")

    assert (outcome.action, outcome.action_by, outcome.dispute_status) == (
        "contest",
        "policy default",
        "lost",
    )
    ticket = crm_store.get_ticket(chargeback_ticket_id(disputed.dispute_id))
    assert ticket is not None
    notes = [(e.action, e.detail, e.at) for e in ticket.audit]
    reminders = [detail for action, detail, _ in notes if action == "approval_reminder"]
    assert reminders == ["reminder sent", "escalated to escalation"]
    chosen_at = next(at for action, _, at in notes if action == "chosen:contest")
    # The policy's offsets before due_by (server time; the next minute covers the activities
    # that run in between): reminder 72 h, escalation 36 h, default action at the 12 h margin.
    reminded = [at for action, _, at in notes if action == "approval_reminder"]
    for at, hours in [*zip(reminded, (72, 36), strict=True), (chosen_at, 12)]:
        planned = disputed.due_by - timedelta(hours=hours)
        assert planned <= at < planned + timedelta(minutes=1), (hours, at)
    # A lost chargeback counts like a refund on the order.
    assert [
        (r.refund_id, r.status)
        for r in crm_store.list_refunds(chargeback_ticket_id(disputed.dispute_id))
    ] == [(disputed.dispute_id, "chargeback_lost")]


async def test_rejecting_the_contest_accepts_the_dispute(
    chargebacks: Chargebacks, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    disputed = await chargebacks.dispute(crm_store, stripe_billing, reason="general")
    handle = await chargebacks.signal(disputed.dispute_id)
    status = await wait_for_state(handle, "awaiting_approval")
    assert status.pending_approval is not None
    await handle.execute_update(
        "decide_approval",
        ApprovalDecision(
            request_id=status.pending_approval.request_id,
            approver="carol",
            decision="reject",
            reason="not worth it",
        ),
        result_type=ApprovalReceipt,
    )
    outcome = await handle.result()
    await chargebacks.keep(handle, "accepted")

    assert (outcome.action, outcome.dispute_status) == ("accept", "lost")
    dispute = StripeDisputes(SANDBOX_API_KEY, chargebacks.stripe).get_dispute(disputed.dispute_id)
    assert dispute.status == "lost" and dispute.submission_count == 0
