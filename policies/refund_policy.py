"""The refund policy: versioned data plus a pure evaluation.

The policy file is data a support lead edits; `evaluate_refund` turns it and the facts read from
systems of record into a decision with the rule that fired and a reason a human can read. Nothing
here does I/O or reads a clock, so the workflow can evaluate it deterministically.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field


class Approver(BaseModel):
    """A person allowed to decide refunds at a level; `slack_user_id` links their Slack account."""

    id: str
    slack_user_id: str | None = None


class ApprovalLevel(BaseModel):
    name: str
    approvers: list[Approver]
    required_approvals: int = Field(1, ge=1)
    slack_channel: str | None = None
    slack_user_group: str | None = None


class TierOverride(BaseModel):
    auto_approve_limit_cents: int | None = Field(None, ge=0)
    single_approver_limit_cents: int | None = Field(None, ge=0)
    refund_window_days: int | None = Field(None, ge=0)


class RefundPolicy(BaseModel):
    version: str
    refund_window_days: int = Field(ge=0)
    auto_approve_limit_cents: int = Field(ge=0)
    single_approver_limit_cents: int = Field(ge=0)
    max_refunds_per_customer: int = Field(ge=1)
    refund_count_window_days: int = Field(ge=1)
    tier_overrides: dict[str, TierOverride] = {}
    single_approval: ApprovalLevel
    dual_approval: ApprovalLevel
    escalation_level: ApprovalLevel | None = None
    approval_reminder_after_hours: float = Field(gt=0)
    approval_expiry_hours: float = Field(gt=0)

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


class Outcome(StrEnum):
    AUTO_APPROVE = "auto_approve"
    NEEDS_APPROVAL = "needs_approval"
    DENY = "deny"


class RefundDecision(BaseModel):
    outcome: Outcome
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


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def evaluate_refund(policy: RefundPolicy, facts: RefundFacts) -> RefundDecision:
    """Decide a refund. Deny rules are checked first, then the approval limits by amount."""
    auto_limit, single_limit, window_days = _limits(policy, facts.customer_tier)
    refundable = max(facts.charge_amount_cents - facts.already_refunded_cents, 0)
    amount = facts.requested_amount_cents or refundable

    def decide(
        outcome: Outcome, rule: str, reason: str, level: str | None = None
    ) -> RefundDecision:
        required = policy.level(level).required_approvals if level else 0
        return RefundDecision(
            outcome=outcome,
            rule=rule,
            reason=reason,
            amount_cents=0 if outcome is Outcome.DENY else amount,
            refundable_cents=refundable,
            approval_level=level,
            required_approvals=required,
        )

    if refundable == 0:
        return decide(
            Outcome.DENY, "nothing_refundable", "The charge has already been fully refunded."
        )
    if amount > refundable:
        return decide(
            Outcome.DENY,
            "exceeds_refundable",
            f"Requested {_money(amount)} but only {_money(refundable)} is still refundable on the charge.",
        )
    age = facts.now - facts.order_placed_at
    if age > timedelta(days=window_days):
        return decide(
            Outcome.DENY,
            "outside_refund_window",
            f"The order was placed {age.days} days ago; the refund window is {window_days} days.",
        )
    if facts.recent_refund_count >= policy.max_refunds_per_customer:
        return decide(
            Outcome.DENY,
            "too_many_refunds",
            f"The customer already had {facts.recent_refund_count} refunds in the last "
            f"{policy.refund_count_window_days} days (limit {policy.max_refunds_per_customer}).",
        )
    if amount <= auto_limit:
        return decide(
            Outcome.AUTO_APPROVE,
            "within_auto_approve_limit",
            f"{_money(amount)} is within the auto-approve limit of {_money(auto_limit)} "
            f"for {facts.customer_tier} customers.",
        )
    if amount <= single_limit:
        return decide(
            Outcome.NEEDS_APPROVAL,
            "single_approval_required",
            f"{_money(amount)} is above the auto-approve limit of {_money(auto_limit)}; "
            "one approver must agree.",
            policy.single_approval.name,
        )
    return decide(
        Outcome.NEEDS_APPROVAL,
        "dual_approval_required",
        f"{_money(amount)} is above the single-approver limit of {_money(single_limit)}; "
        f"{policy.dual_approval.required_approvals} different approvers must agree.",
        policy.dual_approval.name,
    )
