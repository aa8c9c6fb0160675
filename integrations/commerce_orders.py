"""Orders as the commerce port returns them (`integrations.commerce`), whatever the adapter.

Kept apart from the port and its SQL adapter so the activity contract can re-export them without
importing a database client: workflow code reads them inside the sandbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

# Shopify's global ids; the commerce port sends orders named this way to Shopify.
SHOPIFY_ORDER_PREFIX = "gid://shopify/Order/"


class OrderLineInfo(BaseModel):
    sku: str
    title: str
    quantity: int
    unit_price_cents: int


class OrderInfo(BaseModel):
    order_id: str
    customer_id: str
    placed_at: datetime
    currency: str
    total_cents: int
    lines: list[OrderLineInfo] = []
    charge_id: str | None = None
    payment_intent_id: str | None = None
    # The system of record that refunds the order: "store" orders are paid by a Stripe charge
    # (`charge_id`), "shopify" orders are refunded in Shopify, which pays back its gateways.
    commerce_system: Literal["store", "shopify"] = "store"
