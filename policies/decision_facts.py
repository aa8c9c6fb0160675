"""The facts a policy decision was made on, as recorded with it (the CRM's `decision_facts`).

Each process records the exact inputs of its pure evaluation plus what a backtest needs to
re-count cumulative limits: who the customer is, which orders or charges the money is on, and
the windows the deciding policy counted over. Pure models and builders; the workflows call the
builders where they decide, the backtest reads the same models back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from policies.billing_discrepancies import Discrepancy, DiscrepancyKind
from policies.billing_dispute import BillingDisputePolicy
from policies.dispute_refind import RecordedBilling
from policies.refund_policy import RefundFacts, RefundPolicy, cumulative_window_days


class RefundCaseFacts(BaseModel):
    """A refund decision's inputs (`facts`, as evaluate_refund took them) and its windows."""

    customer_id: str
    order_id: str | None = None
    facts: RefundFacts
    cumulative_window_days: int = Field(ge=0)
    refund_count_window_days: int = Field(ge=1)


class FindingFacts(BaseModel):
    kind: DiscrepancyKind
    charge_id: str
    order_id: str | None = None
    excess_cents: int = Field(ge=0)
    method: str

    @property
    def money_key(self) -> str:
        """Where the money is counted: the order the charge paid, else the charge itself."""
        return self.order_id or self.charge_id


class DisputeCaseFacts(BaseModel):
    """A billing-dispute decision's inputs: what decide_adjustment took, and what was found."""

    customer_id: str
    now: datetime
    nothing_found: bool = False
    findings: list[FindingFacts] = []
    amount_cents: int = Field(0, ge=0)
    prior_cents: int = Field(0, ge=0)
    in_flight_cents: int = Field(0, ge=0)
    cumulative_window_days: int = Field(ge=0)
    # The billing history the findings were computed from (None before it was recorded, or
    # when too long to record): a backtest runs the rules on it again.
    billing: RecordedBilling | None = None


def refund_case_facts(
    policy: RefundPolicy, customer_id: str, order_id: str | None, facts: RefundFacts
) -> RefundCaseFacts:
    return RefundCaseFacts(
        customer_id=customer_id,
        order_id=order_id,
        facts=facts,
        cumulative_window_days=cumulative_window_days(policy, facts.customer_tier),
        refund_count_window_days=policy.refund_count_window_days,
    )


def dispute_case_facts(
    policy: BillingDisputePolicy,
    customer_id: str,
    now: datetime,
    findings: Sequence[Discrepancy],
    *,
    prior_cents: int = 0,
    in_flight_cents: int = 0,
    billing: RecordedBilling | None = None,
) -> DisputeCaseFacts:
    return DisputeCaseFacts(
        customer_id=customer_id,
        now=now,
        nothing_found=not findings,
        findings=finding_facts(policy, findings),
        amount_cents=sum(f.excess_cents for f in findings),
        prior_cents=prior_cents,
        in_flight_cents=in_flight_cents,
        cumulative_window_days=policy.cumulative_window_days,
        billing=billing,
    )


def finding_facts(
    policy: BillingDisputePolicy, findings: Sequence[Discrepancy]
) -> list[FindingFacts]:
    return [
        FindingFacts(
            kind=f.kind,
            charge_id=f.charge_id,
            order_id=f.order_id,
            excess_cents=f.excess_cents,
            method=policy.method(f.kind),
        )
        for f in findings
    ]
