"""The commerce port: where the workflow reads an order and the charge that paid for it.

The SQL-backed CRM store is the embedded default; a Shopify adapter implements the same port.
Adapters return None for an order they do not have and raise for anything else, leaving the
retryable / non-retryable decision to the commerce activity.
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import col, select

from integrations.commerce_orders import OrderInfo, OrderLineInfo
from integrations.crm_store import CrmStore
from integrations.crm_store.tables import Order, OrderLine, Payment


class CommercePort(Protocol):
    def get_order(self, order_id: str) -> OrderInfo | None: ...


class SqlCommerce:
    """Orders, line items and Stripe payment references from the CRM store's tables."""

    def __init__(self, store: CrmStore) -> None:
        self._store = store

    def get_order(self, order_id: str) -> OrderInfo | None:
        with self._store.session() as session:
            order = session.get(Order, order_id)
            if order is None:
                return None
            lines = session.exec(
                select(OrderLine).where(OrderLine.order_id == order_id).order_by(col(OrderLine.id))
            ).all()
            # The first Stripe payment is the one a refund goes back to.
            payment = session.exec(
                select(Payment)
                .where(Payment.order_id == order_id, Payment.provider == "stripe")
                .order_by(col(Payment.id))
            ).first()
            return OrderInfo(
                order_id=order.id,
                customer_id=order.customer_id,
                placed_at=order.placed_at,
                currency=order.currency,
                total_cents=order.total_cents,
                lines=[OrderLineInfo.model_validate(line, from_attributes=True) for line in lines],
                charge_id=payment.charge_id if payment is not None else None,
                payment_intent_id=payment.payment_intent_id if payment is not None else None,
            )
