"""Scripted past cases for backtests: the facts a case was decided on, as the workflows record
them (policies/decision_facts.py), with the decision the policy in force made on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policies.backtest_cases import CaseDecision, PastCase
from policies.billing_discrepancies import Discrepancy, DiscrepancyKind, find_discrepancies
from policies.billing_dispute import BillingDisputePolicy, decide_adjustment
from policies.billing_history import BilledCharge, BillingHistory
from policies.decision_facts import DisputeCaseFacts, dispute_case_facts, refund_case_facts
from policies.dispute_refind import billing_record
from policies.refund_policy import RefundFacts, RefundPolicy, evaluate_refund

POLICIES = Path(__file__).resolve().parents[2] / "policies"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def refund_policy(**changes: Any) -> RefundPolicy:
    policy = RefundPolicy.model_validate_json((POLICIES / "refund_policy.json").read_text())
    return policy.model_copy(update=changes)


def dispute_policy(**changes: Any) -> BillingDisputePolicy:
    text = (POLICIES / "billing_dispute.json").read_text()
    return BillingDisputePolicy.model_validate_json(text).model_copy(update=changes)


def refund_case(
    ticket_id: str,
    *,
    day: float,
    amount: int,
    policy: RefundPolicy | None = None,
    customer: str = "cus_1",
    order: str | None = None,
    tier: str = "standard",
    order_age_days: float = 5,
    charge: int = 100_000,
    refunded: int = 0,
    refunded_in_window: int = 0,
    recent_refunds: int = 0,
    state: str | None = None,
    approval: str | None = None,
) -> PastCase:
    """A refund case decided `day` days after T0 by `policy` (the shipped file by default),
    ending `resolved` (paid) unless the policy denied it or `state` says otherwise."""
    policy = policy or refund_policy()
    now = T0 + timedelta(days=day)
    facts = RefundFacts(
        customer_tier=tier,
        order_placed_at=now - timedelta(days=order_age_days),
        charge_amount_cents=charge,
        already_refunded_cents=refunded,
        requested_amount_cents=amount,
        recent_refund_count=recent_refunds,
        refunded_on_order_in_window_cents=refunded_in_window,
        now=now,
    )
    decided = evaluate_refund(policy, facts)
    recorded = refund_case_facts(policy, customer, order or f"ord_{ticket_id}", facts)
    denied = decided.verdict.value == "deny"
    return PastCase(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        process="refund",
        decided_at=now,
        policy_version=policy.version,
        decision=CaseDecision.of(decided),
        facts=recorded.model_dump(mode="json"),
        state=state or ("denied" if denied else "resolved"),
        approval=approval or ("approved" if decided.approval_level and not state else None),
    )


def dispute_case(
    ticket_id: str,
    *,
    day: float,
    excess: dict[str, int],
    policy: BillingDisputePolicy | None = None,
    customer: str = "cus_1",
    kind: DiscrepancyKind = DiscrepancyKind.DUPLICATE_CHARGE,
    prior: int = 0,
    state: str = "resolved",
    approval: str | None = None,
) -> PastCase:
    """A billing dispute decided `day` days after T0; `excess` maps order id -> wrong cents
    (one charge per order). Empty: nothing was found."""
    policy = policy or dispute_policy()
    now = T0 + timedelta(days=day)
    findings = [
        Discrepancy(
            kind=kind,
            charge_id=f"ch_{order}",
            charged_cents=cents * 2,
            excess_cents=cents,
            currency="usd",
            explanation="scripted",
            order_id=order,
        )
        for order, cents in excess.items()
    ]
    facts = dispute_case_facts(policy, customer, now, findings, prior_cents=prior)
    return decided_dispute(ticket_id, policy, now, facts, prior, state, approval)


def charge(
    charge_id: str,
    *,
    at: datetime,
    cents: int,
    order: str | None = None,
    refunded: int = 0,
    card: str = "fp_card_1",
) -> BilledCharge:
    return BilledCharge(
        charge_id=charge_id,
        amount_cents=cents,
        amount_refunded_cents=refunded,
        currency="usd",
        status="succeeded",
        created=at,
        payment_method=card,
        order_id=order,
    )


def billed_dispute_case(
    ticket_id: str,
    *,
    day: float,
    charges: list[BilledCharge],
    order_totals: dict[str, int] | None = None,
    policy: BillingDisputePolicy | None = None,
    customer: str = "cus_1",
    prior: int = 0,
    state: str | None = None,
    approval: str | None = None,
) -> PastCase:
    """A billing dispute decided `day` days after T0 by `policy` on the billing history of
    `charges`, recorded with its decision as the workflow records it: the findings come from
    find_discrepancies, the case paid (`resolved`) unless nothing was found."""
    policy = policy or dispute_policy()
    now = T0 + timedelta(days=day)
    history = BillingHistory(
        stripe_customer_id="cus_stripe_1",
        since=now - timedelta(days=policy.look_back_days),
        charges=charges,
    )
    totals = order_totals or {}
    findings = find_discrepancies(history, totals, policy.rules)
    billing = billing_record(history, totals, policy.rules, policy.look_back_days)
    facts = dispute_case_facts(policy, customer, now, findings, prior_cents=prior, billing=billing)
    return decided_dispute(ticket_id, policy, now, facts, prior, state or "resolved", approval)


def decided_dispute(
    ticket_id: str,
    policy: BillingDisputePolicy,
    now: datetime,
    facts: DisputeCaseFacts,
    prior: int,
    state: str | None,
    approval: str | None,
) -> PastCase:
    """The dispute decided on `facts` as the workflow decides it: an adjustment of what was
    found (approved by people when the policy asks), or the policy's answer to nothing found."""
    if facts.findings:
        decided = decide_adjustment(policy, facts.amount_cents, prior, 0)
        decision = CaseDecision.of(decided)
    else:
        decision = CaseDecision(verdict=policy.nothing_found, rule="nothing_found")
    asks = decision.verdict == "needs_approval"
    return PastCase(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        process="billing_dispute",
        decided_at=now,
        policy_version=policy.version,
        decision=decision,
        facts=facts.model_dump(mode="json"),
        state=state,
        approval=approval or ("approved" if asks else None),
    )
