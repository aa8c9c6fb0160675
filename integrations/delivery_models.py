"""What outbound delivery reads and writes: a case event as a channel sends it, its delivery
state, where a ticket came from, and a calling system's callback endpoint. No Temporal here."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

# `none`: a reply with nowhere to go (no callback registered, not from a helpdesk); its row is
# failed at once so the message shows on the ticket and in the counts instead of waiting forever.
Channel = Literal["callback", "zendesk", "none"]
# `skipped`: an event (not a reply) nobody listens to: no callback, not from a helpdesk.
DeliveryStatus = Literal["queued", "sent", "failed", "skipped"]


class TicketSourceView(BaseModel):
    ticket_id: str
    system: str | None = None
    helpdesk: str | None = None
    external_id: str | None = None


class CallbackEndpointView(BaseModel):
    system: str
    url: str
    secret: str


class ReplyContent(BaseModel):
    outbox_id: int
    recipient: str | None
    subject: str
    body: str
    citations: list[dict[str, str]] = []


class OutboundEvent(BaseModel):
    """One case event as a channel sends it, with what the channel needs to address it."""

    event_id: int
    ticket_id: str
    kind: str
    created_at: datetime
    data: dict[str, Any] = {}
    reply: ReplyContent | None = None
    source: TicketSourceView | None = None
    callback: CallbackEndpointView | None = None
    ticket_status: str | None = None

    @property
    def message_id(self) -> str:
        """The idempotency key every channel gets: one per event, whatever the attempt."""
        return f"sf_evt_{self.event_id}"


class DeliveryState(BaseModel):
    event_id: int
    ticket_id: str
    channel: str
    kind: str
    status: str
    attempts: int
    provider_message_id: str | None
    last_error: str | None


class DeliveryCounts(BaseModel):
    """Deliveries per status (and failed replies), for the report and `supportflow deliveries`."""

    queued: int = 0
    sent: int = 0
    failed: int = 0
    failed_replies: int = 0
