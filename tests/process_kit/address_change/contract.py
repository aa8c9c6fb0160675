"""Public contract of AddressChangeWorkflow, the example process of docs/adding-a-process.md."""

from __future__ import annotations

from pydantic import BaseModel, Field

from activities.models import CaseState
from workflows.case.contract import CaseStatus

ADDRESS_CHANGE_WORKFLOW = "AddressChangeWorkflow"
PROVIDE_ADDRESS_UPDATE = "provide_address"


class AddressChangeRequest(BaseModel):
    ticket_id: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    order_id: str = Field(min_length=1, max_length=64)
    requested_by: str = Field("customer", min_length=1, max_length=64)


class NewAddress(BaseModel):
    """Argument of the `provide_address` Update; the policy checks it field by field."""

    line1: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field("", max_length=2)


class AddressChangeStatus(CaseStatus):
    process: str = "address_change"
    new_address: NewAddress | None = None


class AddressChangeOutcome(BaseModel):
    ticket_id: str
    state: CaseState
    resolution: str
    policy_version: str | None = None
