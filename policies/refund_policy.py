"""The refund policy: versioned data plus a pure evaluation.

The policy file is data a support lead edits; `evaluate_refund` turns it and the facts read from
systems of record into a decision with the rule that fired and a reason a human can read. Nothing
here does I/O or reads a clock, so the workflow can evaluate it deterministically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from policies.approval_levels import ApprovalLevel


class TierOverride(BaseModel):
    auto_approve_limit_cents: int | None = Field(None, ge=0)
    single_approver_limit_cents: int | None = Field(None, ge=0)
    refund_window_days: int | None = Field(None, ge=0)
    cumulative_window_days: int | None = Field(None, ge=0)


class RefundPolicy(BaseModel):
    version: str
    refund_window_days: int = Field(ge=0)
    auto_approve_limit_cents: int = Field(ge=0)
    single_approver_limit_cents: int = Field(ge=0)
    max_refunds_per_customer: int = Field(ge=1)
    refund_count_window_days: int = Field(ge=1)
    # How far back refunds on the same order add up against the approval limits, so a refund
    # split into small requests needs the approval the whole would. Unset: the tier's refund
    # window (policy files older than refund-2026-12-01, and snapshots in running workflows'
    # history, have no such field).
    cumulative_window_days: int | None = Field(None, ge=0)
    tier_overrides: dict[str, TierOverride] = {}
    single_approval: ApprovalLevel
    dual_approval: ApprovalLevel
    escalation_level: ApprovalLevel | None = None
    approval_reminder_after_hours: float = Field(gt=0)
    approval_expiry_hours: float = Field(gt=0)
    # Orders refunded in Shopify: whether Shopify emails the customer, and whether a full refund
    # puts the items back in stock (Shopify restocks; Stripe-paid orders have no stock).
    shopify_notify_customer: bool = True
    shopify_restock_full_refunds: bool = False

    def level(self, name: str) -> ApprovalLevel:
        for level in (self.single_approval, self.dual_approval, self.escalation_level):
            if level is not None and level.name == name:
                return level
        raise KeyError(name)


class RefundFacts(BaseModel):
    """What the systems of record say about the case; never taken from ticket text."""

    customer_tier: str
    order_placed_at: datetime
    charge_amount_cents: int = Field(ge=0)
    already_refunded_cents: int = Field(ge=0)
    requested_amount_cents: int | None = Field(None, gt=0)
    recent_refund_count: int = Field(ge=0)
    now: datetime
    # Added for cumulative limits. The defaults keep facts built by older workflow code (and
    # replayed from history) valid, and with them the decision is exactly the per-request one.
    # Live (succeeded/pending) refunds on the order's charge since `cumulative_since(...)`.
    refunded_on_order_in_window_cents: int | None = Field(None, ge=0)
    # Money other cases may still move on this order; normally 0, since a case holds the order.
    in_flight_cents: int = Field(0, ge=0)
    # The customer's other money cases still open: refunds not yet counted in the CRM.
    in_flight_refund_count: int = Field(0, ge=0)


class Verdict(StrEnum):
    """What the refund policy says of a request (how a case ends is its outcome, elsewhere)."""

    AUTO_APPROVE = "auto_approve"
    NEEDS_APPROVAL = "needs_approval"
    DENY = "deny"


class RefundDecision(BaseModel):
    verdict: Verdict
    rule: str
    reason: str
    amount_cents: int
    refundable_cents: int
    approval_level: str | None = None
    required_approvals: int = 0


def _limits(policy: RefundPolicy, tier: str) -> tuple[int, int, int]:
    override = policy.tier_overrides.get(tier, TierOverride())
    auto = override.auto_approve_limit_cents
    single = override.single_approver_limit_cents
    window = override.refund_window_days
    return (
        policy.auto_approve_limit_cents if auto is None else auto,
        policy.single_approver_limit_cents if single is None else single,
        policy.refund_window_days if window is None else window,
    )


def cumulative_window_days(policy: RefundPolicy, tier: str) -> int:
    """Days back that refunds on one order add up: tier override, else policy, else the tier's
    refund window."""
    override = policy.tier_overrides.get(tier, TierOverride())
    if override.cumulative_window_days is not None:
        return override.cumulative_window_days
    if policy.cumulative_window_days is not None:
        return policy.cumulative_window_days
    return _limits(policy, tier)[2]


def cumulative_since(policy: RefundPolicy, tier: str, now: datetime) -> datetime:
    """Start of the window whose refunds count (inclusive): what the workflow asks Stripe for
    (`ChargeStateInput.refunds_since`) before it evaluates the policy."""
    return now - timedelta(days=cumulative_window_days(policy, tier))


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def evaluate_refund(policy: RefundPolicy, facts: RefundFacts) -> RefundDecision:
    """Decide a refund. Deny rules are checked first, then the approval limits.

    The limits apply to what the order's refunds add up to within the cumulative window (live
    refunds read from Stripe, plus money other cases hold in flight, plus this amount), not to
    this request alone; the customer's refund count includes their other open money cases.
    """
    auto_limit, single_limit, window_days = _limits(policy, facts.customer_tier)
    # Money another case may still move on this order is not ours to refund again.
    refundable = max(
        facts.charge_amount_cents - facts.already_refunded_cents - facts.in_flight_cents, 0
    )
    amount = facts.requested_amount_cents or refundable
    prior = (facts.refunded_on_order_in_window_cents or 0) + facts.in_flight_cents
    cumulative = prior + amount

    def decide(
        verdict: Verdict, rule: str, reason: str, level: str | None = None
    ) -> RefundDecision:
        required = policy.level(level).required_approvals if level else 0
        return RefundDecision(
            verdict=verdict,
            rule=rule,
            reason=reason,
            amount_cents=0 if verdict is Verdict.DENY else amount,
            refundable_cents=refundable,
            approval_level=level,
            required_approvals=required,
        )

    if refundable == 0:
        if facts.in_flight_cents:
            return decide(
                Verdict.DENY,
                "nothing_refundable",
                f"What is left on the charge ({_money(facts.in_flight_cents)}) is held by "
                "another open case on this order.",
            )
        return decide(
            Verdict.DENY, "nothing_refundable", "The charge has already been fully refunded."
        )
    if amount > refundable:
        held = (
            f" ({_money(facts.in_flight_cents)} is held by another open case on this order)"
            if facts.in_flight_cents
            else ""
        )
        return decide(
            Verdict.DENY,
            "exceeds_refundable",
            f"Requested {_money(amount)} but only {_money(refundable)} is still refundable "
            f"on the charge{held}.",
        )
    age = facts.now - facts.order_placed_at
    if age > timedelta(days=window_days):
        return decide(
            Verdict.DENY,
            "outside_refund_window",
            f"The order was placed {age.days} days ago; the refund window is {window_days} days.",
        )
    refund_count = facts.recent_refund_count + facts.in_flight_refund_count
    if refund_count >= policy.max_refunds_per_customer:
        in_flight = (
            f" plus {facts.in_flight_refund_count} still open"
            if facts.in_flight_refund_count
            else ""
        )
        return decide(
            Verdict.DENY,
            "too_many_refunds",
            f"The customer already had {facts.recent_refund_count} refunds in the last "
            f"{policy.refund_count_window_days} days{in_flight} "
            f"(limit {policy.max_refunds_per_customer}).",
        )
    # Without earlier refunds the reason names the amount alone, word for word as before.
    subject = (
        f"{_money(amount)} brings refunds on this order to {_money(cumulative)} within "
        f"{cumulative_window_days(policy, facts.customer_tier)} days"
        + (
            f" (including {_money(facts.in_flight_cents)} held by another open case)"
            if facts.in_flight_cents
            else ""
        )
        + ","
        if prior
        else f"{_money(amount)} is"
    )
    if cumulative <= auto_limit:
        return decide(
            Verdict.AUTO_APPROVE,
            "within_auto_approve_limit",
            f"{subject} within the auto-approve limit of {_money(auto_limit)} "
            f"for {facts.customer_tier} customers.",
        )
    if cumulative <= single_limit:
        return decide(
            Verdict.NEEDS_APPROVAL,
            "single_approval_required",
            f"{subject} above the auto-approve limit of {_money(auto_limit)}; "
            "one approver must agree.",
            policy.single_approval.name,
        )
    return decide(
        Verdict.NEEDS_APPROVAL,
        "dual_approval_required",
        f"{subject} above the single-approver limit of {_money(single_limit)}; "
        f"{policy.dual_approval.required_approvals} different approvers must agree.",
        policy.dual_approval.name,
    )
