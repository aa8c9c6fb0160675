"""The commerce port: where the workflow reads an order and what paid for it.

Two adapters implement it: the SQL-backed CRM store (the embedded default, orders paid through
Stripe) and Shopify (`integrations/shopify_orders.py`, orders refunded in Shopify itself).
Adapters return None for an order they do not have and raise for anything else, leaving the
retryable / non-retryable decision to the commerce activity. `OrdersByShop` sends each order to
the system that holds it, so a worker connected to Shopify still serves the store's orders.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlmodel import col, func, select

from integrations.commerce_orders import SHOPIFY_ORDER_PREFIX, OrderInfo, OrderLineInfo
from integrations.crm_store import CrmStore
from integrations.crm_store.tables import Customer, Order, OrderLine, Payment


class CommercePort(ABC):
    """Where orders live. `OrderInfo.commerce_system` says which system refunds the order."""

    @abstractmethod
    def get_order(self, order_id: str) -> OrderInfo | None:
        """The order with its customer, lines and payment; None when this system lacks it."""


class SqlCommerce(CommercePort):
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

    def customer_id_for_email(self, email: str) -> str | None:
        """Our customer with this email (case-insensitive), to match another system's customer."""
        with self._store.session() as session:
            customer = session.exec(
                select(Customer).where(func.lower(Customer.email) == email.strip().lower())
            ).first()
            return customer.id if customer is not None else None


class OrdersByShop(CommercePort):
    """Shopify's orders (ids `gid://shopify/Order/<n>`) from Shopify, every other from the store."""

    def __init__(self, shopify: CommercePort, store: CommercePort) -> None:
        self._shopify = shopify
        self._store = store

    def get_order(self, order_id: str) -> OrderInfo | None:
        port = self._shopify if order_id.startswith(SHOPIFY_ORDER_PREFIX) else self._store
        return port.get_order(order_id)
