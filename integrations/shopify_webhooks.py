"""Shopify webhooks: the signature check and the two topics supportflow reads.

`X-Shopify-Hmac-Sha256` is base64(HMAC-SHA256(app secret, raw body)); it is compared in constant
time against the raw bytes as received (never a re-serialised body). Payloads are the REST-shaped
JSON Shopify sends for `refunds/create` and `orders/cancelled`; ids are turned into the GraphQL
global ids the commerce port uses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from decimal import InvalidOperation
from typing import Any

from integrations.commerce_orders import SHOPIFY_ORDER_PREFIX
from integrations.shopify_orders import KEY_PATTERN, cents


class WebhookPayloadError(ValueError):
    """The body is signed but not the shape its topic has."""


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    try:
        presented = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(presented, expected)


@dataclass(frozen=True)
class RefundCreated:
    refund_id: str
    order_id: str
    amount_cents: int
    currency: str
    created_at: datetime | None
    note: str

    @property
    def ours(self) -> bool:
        """Made by supportflow itself (its key is in the note): already on its case."""
        return KEY_PATTERN.search(self.note) is not None


@dataclass(frozen=True)
class OrderCancelled:
    order_id: str
    reason: str


def order_gid(value: Any) -> str:
    text = str(value)
    return text if text.startswith(SHOPIFY_ORDER_PREFIX) else f"{SHOPIFY_ORDER_PREFIX}{text}"


def refund_created(payload: dict[str, Any]) -> RefundCreated:
    try:
        paid = [
            t
            for t in payload.get("transactions") or []
            if t.get("kind") == "refund" and t.get("status") == "success"
        ]
        created = payload.get("created_at")
        return RefundCreated(
            refund_id=str(
                payload.get("admin_graphql_api_id") or f"gid://shopify/Refund/{payload['id']}"
            ),
            order_id=order_gid(payload["order_id"]),
            amount_cents=sum(cents(t["amount"]) for t in paid),
            currency=str(paid[0].get("currency") or "usd").lower() if paid else "usd",
            created_at=datetime.fromisoformat(created) if created else None,
            note=str(payload.get("note") or ""),
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as error:
        raise WebhookPayloadError(f"not a refunds/create payload: {type(error).__name__}") from None


def order_cancelled(payload: dict[str, Any]) -> OrderCancelled:
    try:
        order_id = payload.get("admin_graphql_api_id") or payload["id"]
        return OrderCancelled(order_gid(order_id), str(payload.get("cancel_reason") or "other"))
    except (KeyError, TypeError, AttributeError) as error:
        raise WebhookPayloadError(
            f"not an orders/cancelled payload: {type(error).__name__}"
        ) from None
