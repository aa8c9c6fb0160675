"""Public contract of RefundWorkflow: its input, status and outcome.

Backends may start it with the Temporal client directly, so names and fields here are a public
API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from activities.models import CaseState
from workflows.case.contract import CaseStatus

REFUND_WORKFLOW = "RefundWorkflow"


class RefundRequest(BaseModel):
    """Input of RefundWorkflow. The amount, if any, is a cap the requester asks for; the refund is
    always bounded by what the charge still allows."""

    ticket_id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    order_id: str | None = Field(None, min_length=1, max_length=64)
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=20_000)
    requested_by: str = Field("customer", min_length=1, max_length=64)
    requested_amount_cents: int | None = Field(None, gt=0, le=100_000_000)
    channel: str = Field("api", max_length=32)
    # Set at intake when card numbers were removed from subject/body: the reply then asks the
    # customer never to send card data.
    card_data_removed: bool = False


class RefundStatus(CaseStatus):
    """What RefundWorkflow's `status` query returns."""

    process: str = "refund"
    refund_id: str | None = None

    def summary_lines(self) -> list[str]:
        return [f"Refund: {self.refund_id}"] if self.refund_id else []


class RefundOutcome(BaseModel):
    ticket_id: str
    state: CaseState
    resolution: str
    refund_id: str | None = None
    amount_cents: int | None = None
    policy_version: str | None = None
