"""The chargeback policy: when to contest a Stripe dispute and when to accept it, who reviews,
and how the evidence deadline is kept.

Pure functions over facts the workflow gathered from systems of record; nothing a customer or
the bank wrote is interpreted. The deadline rules are offsets before Stripe's
`evidence_details.due_by`: a reminder, an escalation, and the safety margin at which the
policy's default action runs if nobody has decided, so the deadline is never missed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from policies.approval_levels import ApprovalLevel

Action = Literal["contest", "accept"]


class ChargebackPolicy(BaseModel):
    version: str
    review: ApprovalLevel
    escalation: ApprovalLevel | None = None
    remind_before_due_hours: float = Field(gt=0)
    escalate_before_due_hours: float = Field(gt=0)
    safety_margin_hours: float = Field(gt=0)
    default_action: Literal["contest", "accept", "recommendation"] = "recommendation"
    min_contest_amount_cents: int = Field(0, ge=0)
    accept_reasons: list[str] = []
    contest_reasons: list[str] = []
    required_evidence: dict[str, list[str]] = {}
    contest_if_customer_refunds_at_least: int | None = Field(None, ge=1)
    refund_policy_text: str = ""
    cancellation_policy_text: str = ""

    @model_validator(mode="after")
    def _offsets_in_order(self) -> ChargebackPolicy:
        # Remind, then escalate, then act: each needs time before the next.
        if not (
            self.remind_before_due_hours > self.escalate_before_due_hours > self.safety_margin_hours
        ):
            raise ValueError(
                "remind_before_due_hours > escalate_before_due_hours > safety_margin_hours"
            )
        return self


class DisputeFacts(BaseModel):
    """What the recommendation looks at: the dispute, the evidence we hold, the customer."""

    reason: str
    amount_cents: int
    evidence_fields: list[str]
    order_found: bool
    customer_refund_count: int = 0


class Recommendation(BaseModel):
    action: Action
    rule: str
    reason: str
    missing_evidence: list[str] = []


class Deadlines(BaseModel):
    """When the review is reminded, escalated, and when the default action runs."""

    remind_at: datetime
    escalate_at: datetime
    decide_by: datetime


def recommend(policy: ChargebackPolicy, facts: DisputeFacts) -> Recommendation:
    """Accept or contest, with the rule that decided; the first rule that applies wins."""
    if not facts.order_found:
        return Recommendation(
            action="accept",
            rule="no_order",
            reason="No order in our records matches the disputed charge; nothing to show.",
        )
    if facts.amount_cents < policy.min_contest_amount_cents:
        return Recommendation(
            action="accept",
            rule="below_contest_minimum",
            reason=f"{facts.amount_cents} cents is below the "
            f"{policy.min_contest_amount_cents} cents worth contesting (fees and effort).",
        )
    if facts.reason in policy.accept_reasons:
        return Recommendation(
            action="accept",
            rule="accepted_reason",
            reason=f"Disputes for '{facts.reason}' are accepted by policy.",
        )
    if facts.reason not in policy.contest_reasons:
        return Recommendation(
            action="accept",
            rule="reason_not_contested",
            reason=f"The policy does not contest '{facts.reason}' disputes.",
        )
    missing = [
        field
        for field in policy.required_evidence.get(facts.reason, [])
        if field not in facts.evidence_fields
    ]
    if missing:
        return Recommendation(
            action="accept",
            rule="evidence_missing",
            reason=f"Missing evidence for '{facts.reason}': {', '.join(missing)}.",
            missing_evidence=missing,
        )
    threshold = policy.contest_if_customer_refunds_at_least
    if threshold is not None and facts.customer_refund_count >= threshold:
        return Recommendation(
            action="contest",
            rule="customer_refunded_before",
            reason=f"The customer already had {facts.customer_refund_count} refunds from us "
            "and knows how to ask; the evidence is complete.",
        )
    return Recommendation(
        action="contest",
        rule="evidence_complete",
        reason=f"The evidence '{facts.reason}' disputes need is complete.",
    )


def default_action(policy: ChargebackPolicy, recommended: Action) -> Action:
    """What runs when nobody decided by the safety margin."""
    if policy.default_action == "recommendation":
        return recommended
    return policy.default_action


def deadlines(policy: ChargebackPolicy, due_by: datetime, now: datetime) -> Deadlines:
    """The review's reminder, escalation and decision times before `due_by`, never in the past:
    a dispute that arrives late is decided as soon as its margin allows."""

    def before(hours: float) -> datetime:
        return max(due_by - timedelta(hours=hours), now)

    return Deadlines(
        remind_at=before(policy.remind_before_due_hours),
        escalate_at=before(policy.escalate_before_due_hours),
        decide_by=before(policy.safety_margin_hours),
    )


def opposite(action: Action) -> Action:
    return "accept" if action == "contest" else "contest"
