"""DeliveryWorkflow's public contract: its type name and id, the signal that wakes it, and its
input, status and outcome models."""

from __future__ import annotations

from pydantic import BaseModel

DELIVERY_WORKFLOW = "DeliveryWorkflow"
EVENTS_QUEUED_SIGNAL = "case_events_queued"
DELIVERY_STATUS_QUERY = "delivery_status"


def delivery_workflow_id(ticket_id: str) -> str:
    """One delivery workflow per ticket, so its events go out in order."""
    return f"delivery-{ticket_id}"


class DeliveryRequest(BaseModel):
    ticket_id: str
    # Carried over continue-as-new, so the counts cover the ticket's whole delivery.
    sent: int = 0
    failed: int = 0


class EventsQueued(BaseModel):
    """The newest event id the dispatcher saw for the ticket (informational: the workflow reads
    what is owed from the CRM, so a lost or repeated signal changes nothing)."""

    up_to_event_id: int


class DeliveryStatus(BaseModel):
    ticket_id: str
    policy_version: str | None = None
    sent: int = 0
    failed: int = 0
    delivering: str | None = None


class DeliveryOutcome(BaseModel):
    ticket_id: str
    sent: int
    failed: int
