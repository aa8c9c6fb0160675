"""Orders as the commerce port returns them (`integrations.commerce`), whatever the adapter.

Kept apart from the port and its SQL adapter so the activity contract can re-export them without
importing a database client: workflow code reads them inside the sandbox.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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
