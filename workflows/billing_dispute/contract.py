"""Public contract of BillingDisputeWorkflow: its input, status and outcome.

Backends may start it with the Temporal client directly, so names and fields here are a public
API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from activities.models import CaseState
from policies.billing_discrepancies import Discrepancy
from workflows.case.contract import CaseStatus

BILLING_DISPUTE_WORKFLOW = "BillingDisputeWorkflow"

# What the customer says is wrong. It only chooses between the history's itemised answer and a
# person for an unrecognised charge; what is wrong, and by how much, comes from Stripe.
Complaint = Literal["billing_error", "unrecognised_charge"]


class BillingDisputeRequest(BaseModel):
    """Input of BillingDisputeWorkflow. No amount: the adjustment is what the discrepancy rules
    find in the customer's billing history, never what a ticket asks for."""

    ticket_id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    order_id: str | None = Field(None, min_length=1, max_length=64)
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=20_000)
    requested_by: str = Field("customer", min_length=1, max_length=64)
    complaint: Complaint = "billing_error"
    channel: str = Field("api", max_length=32)
    card_data_removed: bool = False


class Adjustment(BaseModel):
    """One adjustment made: a refund on the charge, or a credit on the customer's balance."""

    method: Literal["refund", "credit"]
    charge_id: str
    object_id: str
    amount_cents: int
    currency: str
    found_existing: bool = False
    # The order the charge paid, when known (added later: None in older histories).
    order_id: str | None = None


class BillingDisputeStatus(CaseStatus):
    """What BillingDisputeWorkflow's `status` query returns."""

    process: str = "billing_dispute"
    charges_reviewed: int | None = None
    findings: list[Discrepancy] = []
    adjustments: list[Adjustment] = []


class BillingDisputeOutcome(BaseModel):
    ticket_id: str
    state: CaseState
    resolution: str
    findings: list[Discrepancy] = []
    adjustments: list[Adjustment] = []
    policy_version: str | None = None
