"""The billing-dispute policy: versioned data (billing_dispute.json) plus a pure decision.

The discrepancy rules (billing_discrepancies.py) say what is wrong; this says how each kind is
put right (a refund to the card or a credit on the customer's balance), whether the whole
adjustment may go ahead on its own or needs one or two approvers, and what happens when nothing
is wrong. The limits apply to the adjustment plus what was already refunded on the same charges
within the window (read from Stripe, whichever process refunded it) plus what other open cases
hold on the same orders: the cumulative rule the refund process applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from policies.approval_levels import ApprovalLevel
from policies.billing_discrepancies import DiscrepancyKind, DiscrepancyRules

POLICY_NAME = "billing_dispute"

Method = Literal["refund", "credit"]


class BillingDisputePolicy(BaseModel):
    version: str
    look_back_days: int = Field(ge=1)
    duplicate_window_minutes: int = Field(ge=1)
    amount_tolerance_cents: int = Field(0, ge=0)
    cumulative_window_days: int = Field(ge=0)
    adjustments: dict[DiscrepancyKind, Method]
    auto_adjust_limit_cents: int = Field(ge=0)
    single_approver_limit_cents: int = Field(ge=0)
    # Nothing wrong found: an itemised answer of what was charged, or a person looks.
    nothing_found: Literal["explain", "escalate"]
    # "I don't recognise this charge" may be fraud: a person looks, or the history is explained.
    unrecognised_charge: Literal["escalate", "explain"]
    single_approval: ApprovalLevel
    dual_approval: ApprovalLevel
    escalation_level: ApprovalLevel | None = None
    approval_reminder_after_hours: float = Field(gt=0)
    approval_expiry_hours: float = Field(gt=0)

    @property
    def rules(self) -> DiscrepancyRules:
        return DiscrepancyRules(
            duplicate_window_minutes=self.duplicate_window_minutes,
            amount_tolerance_cents=self.amount_tolerance_cents,
        )

    def method(self, kind: DiscrepancyKind) -> Method:
        # A kind the file does not name goes back where the money came from.
        return self.adjustments.get(kind, "refund")

    def level(self, name: str) -> ApprovalLevel:
        for level in (self.single_approval, self.dual_approval, self.escalation_level):
            if level is not None and level.name == name:
                return level
        raise KeyError(name)


class AdjustmentVerdict(StrEnum):
    AUTO_ADJUST = "auto_adjust"
    NEEDS_APPROVAL = "needs_approval"


class AdjustmentDecision(BaseModel):
    verdict: AdjustmentVerdict
    rule: str
    reason: str
    amount_cents: int
    approval_level: str | None = None
    required_approvals: int = 0


def look_back_since(policy: BillingDisputePolicy, now: datetime) -> datetime:
    return now - timedelta(days=policy.look_back_days)


def cumulative_since(policy: BillingDisputePolicy, now: datetime) -> datetime:
    return now - timedelta(days=policy.cumulative_window_days)


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def decide_adjustment(
    policy: BillingDisputePolicy, amount_cents: int, prior_cents: int, in_flight_cents: int
) -> AdjustmentDecision:
    """Whether an adjustment of `amount_cents` may go ahead alone or needs approvers."""
    cumulative = amount_cents + prior_cents + in_flight_cents
    subject = (
        f"{_money(amount_cents)} brings adjustments on these charges to {_money(cumulative)} "
        f"within {policy.cumulative_window_days} days,"
        if prior_cents or in_flight_cents
        else f"{_money(amount_cents)} is"
    )
    if cumulative <= policy.auto_adjust_limit_cents:
        return AdjustmentDecision(
            verdict=AdjustmentVerdict.AUTO_ADJUST,
            rule="within_auto_adjust_limit",
            reason=f"{subject} within the auto-adjust limit of "
            f"{_money(policy.auto_adjust_limit_cents)}.",
            amount_cents=amount_cents,
        )
    level = (
        policy.single_approval
        if cumulative <= policy.single_approver_limit_cents
        else policy.dual_approval
    )
    limit = (
        f"the auto-adjust limit of {_money(policy.auto_adjust_limit_cents)}"
        if level is policy.single_approval
        else f"the single-approver limit of {_money(policy.single_approver_limit_cents)}"
    )
    return AdjustmentDecision(
        verdict=AdjustmentVerdict.NEEDS_APPROVAL,
        rule=f"{level.name}_approval_required",
        reason=f"{subject} above {limit}; {level.required_approvals} approver(s) must agree.",
        amount_cents=amount_cents,
        approval_level=level.name,
        required_approvals=level.required_approvals,
    )
