"""Tables of the CRM store: the embedded system of record for customers, orders and cases.

Every datetime column is a plain `datetime` field, which sqlmodel maps to its `UTCDateTime` type:
it refuses naive values on write and returns aware UTC values on read, also on SQLite, which
stores no offset. Tables hang off their own metadata (not `SQLModel.metadata`) so Alembic only
ever sees the CRM schema, with deterministic constraint names that migrations can refer to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, MetaData, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

crm_registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))
crm_metadata = crm_registry.metadata


class CrmTable(SQLModel, registry=crm_registry):
    """Base of every CRM table; binds them to `crm_metadata`."""


class Customer(CrmTable, table=True):
    __tablename__ = "customers"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    tier: str = Field(default="standard", max_length=32)
    created_at: datetime


class Order(CrmTable, table=True):
    __tablename__ = "orders"

    id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=64)
    placed_at: datetime
    currency: str = Field(max_length=3)
    total_cents: int
    status: str = Field(default="paid", max_length=32)


class OrderLine(CrmTable, table=True):
    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "sku"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=64)
    sku: str = Field(max_length=64)
    title: str = Field(max_length=300)
    quantity: int
    unit_price_cents: int


class Payment(CrmTable, table=True):
    """A reference to the charge that paid an order; the money itself lives in Stripe."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=64)
    provider: str = Field(default="stripe", max_length=32)
    charge_id: str = Field(unique=True, max_length=255)
    payment_intent_id: str | None = Field(default=None, max_length=255)
    amount_cents: int
    currency: str = Field(max_length=3)
    created_at: datetime


class Ticket(CrmTable, table=True):
    """A support ticket and where its case stands.

    `customer_id` and `order_id` carry no foreign keys on purpose: a ticket naming an unknown
    customer must still be recorded so that a human can pick up the escalated case.
    """

    __tablename__ = "tickets"

    id: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(index=True, max_length=64)
    order_id: str | None = Field(default=None, max_length=64)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_type=Text)
    channel: str = Field(default="api", max_length=32)
    process: str = Field(max_length=32)
    status: str = Field(default="received", max_length=32)
    resolution: str | None = Field(default=None, sa_type=Text)
    workflow_id: str | None = Field(default=None, index=True, max_length=255)
    policy_version: str | None = Field(default=None, max_length=128)
    created_at: datetime
    updated_at: datetime


class Note(CrmTable, table=True):
    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="tickets.id", index=True, max_length=64)
    author: str = Field(max_length=64)
    body: str = Field(sa_type=Text)
    dedupe_key: str | None = Field(default=None, unique=True, max_length=255)
    created_at: datetime


class OutboxMessage(CrmTable, table=True):
    """A customer reply waiting to be delivered by the helpdesk integration."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="tickets.id", index=True, max_length=64)
    recipient: str | None = Field(default=None, max_length=320)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    citations: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    status: str = Field(default="queued", max_length=16)
    dedupe_key: str = Field(unique=True, max_length=255)
    created_at: datetime
    sent_at: datetime | None = None
    # Delivery state (workflows/delivery): attempts over every channel, the provider's id of
    # the last channel that took it, and why the last attempt failed.
    attempts: int = 0
    provider_message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_type=Text)
    failed_at: datetime | None = None


class Approval(CrmTable, table=True):
    """An approval request bound to one action (amount, level); decisions live in a child table."""

    __tablename__ = "approvals"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="tickets.id", index=True, max_length=64)
    workflow_id: str = Field(max_length=255)
    request_id: str = Field(unique=True, max_length=64)
    level: str = Field(max_length=32)
    amount_cents: int
    currency: str = Field(max_length=3)
    required_approvals: int
    approvers: list[str] = Field(default_factory=list, sa_type=JSON)
    requested_by: str = Field(max_length=64)
    rule: str = Field(max_length=64)
    reason: str = Field(sa_type=Text)
    policy_version: str | None = Field(default=None, max_length=128)
    status: str = Field(default="pending", max_length=16)
    slack_channel: str | None = Field(default=None, max_length=64)
    slack_ts: str | None = Field(default=None, max_length=64)
    expires_at: datetime
    created_at: datetime
    decided_at: datetime | None = None


class ApprovalDecisionRow(CrmTable, table=True):
    __tablename__ = "approval_decisions"
    __table_args__ = (UniqueConstraint("request_id", "approver"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(foreign_key="approvals.request_id", index=True, max_length=64)
    approver: str = Field(max_length=64)
    decision: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)
    channel: str = Field(max_length=32)
    at: datetime


# A Refund row's status for a customer balance credit (a billing adjustment that no Stripe
# refund on the charge shows); other rows carry the Stripe refund's status.
CREDITED = "credited"


class Refund(CrmTable, table=True):
    """A refund paid out for a ticket, keyed by the Stripe refund id so it is recorded once."""

    __tablename__ = "refunds"

    id: int | None = Field(default=None, primary_key=True)
    refund_id: str = Field(unique=True, max_length=255)
    ticket_id: str = Field(index=True, max_length=64)
    workflow_id: str = Field(max_length=255)
    customer_id: str | None = Field(default=None, index=True, max_length=64)
    order_id: str | None = Field(default=None, max_length=64)
    charge_id: str = Field(max_length=255)
    amount_cents: int
    currency: str = Field(max_length=3)
    status: str = Field(max_length=32)
    created_at: datetime = Field(index=True)


class AuditEvent(CrmTable, table=True):
    """Who did what to a ticket, when, under which policy version.

    `dedupe_key` is unique so a retried activity records an event once; events that are not
    retried (a refused approval click) leave it empty, and NULLs never collide.
    """

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(index=True, max_length=64)
    workflow_id: str | None = Field(default=None, max_length=255)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    detail: str = Field(default="", sa_type=Text)
    policy_version: str | None = Field(default=None, max_length=128)
    at: datetime
    dedupe_key: str | None = Field(default=None, unique=True, max_length=255)


class ApiKey(CrmTable, table=True):
    """A credential of a calling system or a person. Only the SHA-256 of the key is stored; the
    key itself is shown once when it is created. `key_id` is the public prefix of the key (it
    names the row without revealing the secret part) and `revoked_at` ends it for good."""

    __tablename__ = "api_keys"

    key_id: str = Field(primary_key=True, max_length=32)
    name: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=16)  # "system" or "person"
    person_id: str | None = Field(default=None, index=True, max_length=64)
    slack_user_id: str | None = Field(default=None, index=True, max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=JSON)
    key_hash: str = Field(max_length=64)
    created_at: datetime
    created_by: str = Field(default="cli", max_length=64)
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class OrderMoneyHold(CrmTable, table=True):
    """At most one money-moving case per order at a time: the primary key is the order, so a
    second case's insert fails instead of both cases reading "no other case" and both paying.
    `amount_cents` is what the holding case may still move (counted as in flight)."""

    __tablename__ = "order_money_holds"

    order_id: str = Field(primary_key=True, max_length=64)
    workflow_id: str = Field(max_length=255)
    ticket_id: str = Field(max_length=64)
    customer_id: str = Field(index=True, max_length=64)
    process: str = Field(max_length=32)
    amount_cents: int = 0
    acquired_at: datetime
