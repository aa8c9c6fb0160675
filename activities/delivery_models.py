"""Inputs and outputs of the delivery activities and DeliveryWorkflow (a public contract)."""

from __future__ import annotations

from pydantic import BaseModel

from integrations.delivery_models import DeliveryState

__all__ = [
    "DeliveryFailure",
    "DeliveryPlanInput",
    "DeliveryReceipt",
    "DeliveryState",
    "DeliveryTask",
]


class DeliveryPlanInput(BaseModel):
    ticket_id: str


class DeliveryTask(BaseModel):
    event_id: int
    channel: str


class DeliveryReceipt(BaseModel):
    """`found`: an earlier attempt had delivered it (our record, or the helpdesk's audit)."""

    event_id: int
    channel: str
    provider_message_id: str | None
    found: bool = False


class DeliveryFailure(BaseModel):
    event_id: int
    channel: str
    reason: str
