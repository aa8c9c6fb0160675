"""Zendesk's webhook signature as Zendesk documents it: base64(HMAC-SHA256(secret,
timestamp + body)), checked against the raw bytes; and the trigger body's field rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from integrations.zendesk_webhooks import ZendeskTicketCreated, is_stale, verify_signature

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
TIMESTAMP = "2026-12-05T11:00:00Z"
BODY = b'{"zendesk_ticket_id": "35436", "subject": "Help"}'


def documented(secret: str, timestamp: str, body: bytes) -> str:
    """Computed independently of the module under test, straight from Zendesk's formula."""
    return base64.b64encode(
        hmac.new(secret.encode(), (timestamp + body.decode()).encode(), hashlib.sha256).digest()
    ).decode()


def test_a_signature_made_as_zendesk_documents_verifies() -> None:
    assert verify_signature(SECRET, TIMESTAMP, BODY, documented(SECRET, TIMESTAMP, BODY))


@pytest.mark.parametrize(
    ("timestamp", "body", "header"),
    [
        (TIMESTAMP, BODY + b" ", documented(SECRET, TIMESTAMP, BODY)),  # body changed
        ("2026-12-05T11:00:01Z", BODY, documented(SECRET, TIMESTAMP, BODY)),  # timestamp changed
        (TIMESTAMP, BODY, documented("other", TIMESTAMP, BODY)),  # another secret
        (TIMESTAMP, BODY, None),
        (None, BODY, documented(SECRET, TIMESTAMP, BODY)),
        (TIMESTAMP, BODY, "not base64!"),
    ],
)
def test_anything_else_is_refused(timestamp: str | None, body: bytes, header: str | None) -> None:
    assert not verify_signature(SECRET, timestamp, body, header)


def test_stale_or_unreadable_timestamps() -> None:
    now = datetime(2026, 12, 5, 11, 30, tzinfo=UTC)
    assert not is_stale(TIMESTAMP, now)
    assert is_stale(TIMESTAMP, now + timedelta(hours=2))
    assert is_stale("yesterday", now)


def test_the_trigger_body_maps_to_one_ticket_id() -> None:
    created = ZendeskTicketCreated.model_validate({"zendesk_ticket_id": 35436, "subject": "x"})
    assert created.ticket_id == "zd-35436"
    with pytest.raises(ValidationError):
        ZendeskTicketCreated.model_validate({"zendesk_ticket_id": "35436; DROP"})
