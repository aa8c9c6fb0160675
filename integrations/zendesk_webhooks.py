"""Tickets that arrive from a Zendesk webhook: the signature check and the body our trigger sends.

Zendesk signs each webhook request: `X-Zendesk-Webhook-Signature` is
base64(HMAC-SHA256(signing secret, `X-Zendesk-Webhook-Signature-Timestamp` + raw body)),
compared here in constant time against the bytes as received. The body is the JSON of the
trigger documented in docs/delivery.md (Zendesk placeholders such as `{{ticket.id}}`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A signed request older than this is a replay, not a Zendesk retry.
STALE_AFTER = timedelta(hours=1)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secret: str, timestamp: str | None, body: bytes, header: str | None) -> bool:
    if not header or not timestamp:
        return False
    try:
        presented = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return hmac.compare_digest(presented, expected)


def is_stale(timestamp: str, now: datetime | None = None) -> bool:
    """True for a timestamp that is unreadable or older than `STALE_AFTER`."""
    try:
        at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return True
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - at > STALE_AFTER


class ZendeskTicketCreated(BaseModel):
    """The body of the "Ticket created → supportflow" trigger."""

    model_config = ConfigDict(extra="ignore")

    zendesk_ticket_id: str = Field(min_length=1, max_length=20, pattern=r"^[0-9]+$")
    subject: str = Field("", max_length=300)
    description: str = Field("", max_length=20_000)
    requester_email: str = Field("", max_length=320)
    # Our customer id when the Zendesk requester carries it as `external_id`.
    requester_external_id: str = Field("", max_length=64)

    @field_validator("zendesk_ticket_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @property
    def ticket_id(self) -> str:
        """Our ticket id for it: the same Zendesk ticket always maps to the same case."""
        return f"zd-{self.zendesk_ticket_id}"
