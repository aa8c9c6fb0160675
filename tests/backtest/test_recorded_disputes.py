"""Billing disputes decided by the real workflow record their facts (findings, the amount, what
earlier adjustments in the window add up to) in the CRM, and backtest from there."""

from __future__ import annotations

import asyncio

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from integrations.stripe_credits import StripeCredits
from policies.decision_facts import DisputeCaseFacts
from tests.backtest.scripted_cases import POLICIES, dispute_policy
from tests.stripe_fixtures import SANDBOX_API_KEY
from tests.workflows.billing_dispute.conftest import (
    DisputeRunner,
    dispute_deps,
    dispute_status,
    disputes,
    policy_changes,
    time_skipping_env,
)
from worker.backtest import DECISION_NOTES, load_candidate, run_backtest

__all__ = ["dispute_deps", "disputes", "policy_changes", "time_skipping_env"]


async def _waits_for_approval(disputes: DisputeRunner, ticket_id: str) -> None:
    handle = disputes.client.get_workflow_handle(f"ticket-{ticket_id}")
    for _ in range(200):
        if (await dispute_status(handle)).pending_approval is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never waited for approval")


async def test_dispute_decisions_record_their_facts_and_backtest(
    disputes: DisputeRunner, crm_store: CrmStore, stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    duplicate = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    await (await disputes.start(duplicate.request)).result()
    nothing = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=4_200, charged_cents=[4_200]
    )
    await (await disputes.start(nothing.request)).result()
    # 25.00 after 30.00 credited by an earlier case in the window: 55.00, one approver.
    counted = await disputes.seed(
        crm_store, stripe_billing, order_total_cents=2_500, charged_cents=[2_500, 2_500]
    )
    StripeCredits(SANDBOX_API_KEY, stripe_sandbox).credit_balance(
        counted.customer.stripe_customer_id, 3_000, "usd", "ticket-T-earlier:adjust:ch_x", "x", {}
    )
    await disputes.start(counted.request)
    await _waits_for_approval(disputes, counted.request.ticket_id)

    decided = {c.ticket_id: c for c in crm_store.decided_cases("billing_dispute")}
    ids = duplicate.request.ticket_id, nothing.request.ticket_id, counted.request.ticket_id
    assert set(decided) == set(ids)
    first, second, third = (decided[i] for i in ids)
    assert (first.verdict, first.amount_cents, first.state) == ("auto_adjust", 2_500, "resolved")
    assert (second.verdict, second.rule) == ("explain", "nothing_found")
    assert (third.verdict, third.approval_level, third.approval) == (
        "needs_approval",
        "single",
        "pending",
    )
    facts = DisputeCaseFacts.model_validate(third.facts)
    assert (facts.amount_cents, facts.prior_cents) == (2_500, 3_000)
    assert [(f.kind, f.excess_cents, f.method) for f in facts.findings] == [
        ("duplicate_charge", 2_500, "refund")
    ]

    # The billing history the findings came from is recorded with the decision, and the same
    # thresholds find the same again on it.
    assert facts.billing is not None and facts.billing.duplicate_window_minutes == 10
    assert len(facts.billing.charges) == 2
    assert all(c.description is None for c in facts.billing.charges)
    [wrong] = facts.findings
    assert facts.billing.charge_left_cents == {wrong.charge_id: 2_500}
    explained = DisputeCaseFacts.model_validate(second.facts)
    assert explained.billing is not None and len(explained.billing.charges) == 1
    same = run_backtest(dispute_policy(), list(decided.values())).findings
    assert same is not None and same.changed == same.amount_only == same.not_reapplied == []

    # Older cases are found by these notes when their facts must come from Temporal.
    for ticket_id in ids:
        ticket = crm_store.get_ticket(ticket_id)
        assert ticket is not None
        notes = {e.action for e in ticket.audit if e.action.startswith("policy:")}
        assert notes and notes <= set(DECISION_NOTES["billing_dispute"])

    stricter = load_candidate(
        POLICIES / "demo" / "stricter_billing_dispute.json", "billing_dispute"
    )
    report = run_backtest(stricter, list(decided.values()))
    assert {c.ticket_id: (c.before, c.after) for c in report.changes} == {
        first.ticket_id: ("auto_adjust", "needs_approval:single"),
        second.ticket_id: ("explain", "escalate"),
    }
    # The recorded 30.00 still counts: at a 50.00 limit 25.00 alone would go ahead.
    assert (
        run_backtest(dispute_policy(auto_adjust_limit_cents=5_000), list(decided.values())).changed
        == 0
    )
    looser = run_backtest(dispute_policy(auto_adjust_limit_cents=6_000), list(decided.values()))
    assert [(c.ticket_id, c.after) for c in looser.changes] == [(third.ticket_id, "auto_adjust")]
