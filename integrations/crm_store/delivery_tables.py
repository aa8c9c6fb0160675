"""Tables of outbound delivery: case events waiting to reach the calling system and the helpdesk,
what happened on each channel, where a ticket came from, and the callback URLs systems registered.

`case_events` is a transactional outbox: a row is written in the same transaction as the change
it announces (a ticket opened, an approval requested, a reply queued, a case closed), so an event
is never announced for a change that rolled back, nor lost for one that committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text, UniqueConstraint
from sqlmodel import Field

from integrations.crm_store.tables import CrmTable


class CaseEvent(CrmTable, table=True):
    """Something a case did that the calling system and the helpdesk should hear about.
    `dispatched_at` is set once a delivery workflow was told about it."""

    __tablename__ = "case_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=48)
    outbox_id: int | None = None
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    dedupe_key: str = Field(unique=True, max_length=255)
    created_at: datetime
    dispatched_at: datetime | None = Field(default=None, index=True)


class EventDelivery(CrmTable, table=True):
    """One event on one channel: queued → sent or failed, with attempts and the provider's id."""

    __tablename__ = "event_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="case_events.id", index=True)
    ticket_id: str = Field(index=True, max_length=64)
    channel: str = Field(max_length=32)
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    provider_message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime
    updated_at: datetime


class TicketSource(CrmTable, table=True):
    """Who filed a ticket and where it lives outside supportflow: the calling system whose
    callback hears about it, and the helpdesk ticket (Zendesk) replies go back to."""

    __tablename__ = "ticket_sources"

    ticket_id: str = Field(primary_key=True, max_length=64)
    system: str | None = Field(default=None, index=True, max_length=64)
    helpdesk: str | None = Field(default=None, max_length=32)
    external_id: str | None = Field(default=None, max_length=64)
    created_at: datetime


class CallbackEndpoint(CrmTable, table=True):
    """The callback URL a calling system registered, with its Standard Webhooks signing secret
    (`whsec_…`, shown once; kept because every delivery is signed with it)."""

    __tablename__ = "callback_endpoints"

    system: str = Field(primary_key=True, max_length=64)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=128)
    created_at: datetime
    updated_at: datetime
