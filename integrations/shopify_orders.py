"""Shopify's orders through the commerce port: the order with its customer, line items and
payments, and what is still refundable on it, from the GraphQL Admin API.

Shopify's customer is matched to ours by email (`customer_for_email`, the CRM's lookup), so the
refund process's ownership check holds for Shopify orders too; a Shopify customer the CRM does
not know is named `shopify:<id>` and never matches a ticket's customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from integrations.commerce import CommercePort
from integrations.commerce_orders import SHOPIFY_ORDER_PREFIX, OrderInfo, OrderLineInfo
from integrations.shopify_admin import ShopifyAdmin

ORDER_QUERY = """
query SupportOrder($id: ID!) {
  order(id: $id) {
    id name createdAt currencyCode
    customer { id email }
    totalPriceSet { shopMoney { amount currencyCode } }
    lineItems(first: 100) {
      nodes { id sku title quantity originalUnitPriceSet { shopMoney { amount } } }
    }
  }
}
"""

REFUNDABLE_QUERY = """
query RefundableOrder($id: ID!) {
  order(id: $id) {
    id currencyCode
    totalReceivedSet { shopMoney { amount } }
    refunds(first: 250) {
      id note createdAt totalRefundedSet { shopMoney { amount currencyCode } }
    }
    suggestedRefund(suggestFullRefund: true) {
      maximumRefundableSet { shopMoney { amount } }
      suggestedTransactions {
        gateway kind
        maximumRefundableSet { shopMoney { amount } }
        parentTransaction { id }
      }
      refundLineItems { lineItem { id } quantity }
    }
  }
}
"""

# Our idempotency key rides in the refund's note, the one free-text field a refund keeps, so a
# refund we made is found again (and one staff made is told apart) whatever Shopify's key window.
KEY_PATTERN = re.compile(r"\[supportflow-key:([^\]\s]{1,200})\]")
CustomerForEmail = Callable[[str], str | None]


def cents(amount: str | int | float) -> int:
    return int((Decimal(str(amount)) * 100).to_integral_value())


def money_text(amount_cents: int) -> str:
    return f"{Decimal(amount_cents) / 100:.2f}"


def key_note(key: str, text: str) -> str:
    return f"{text} [supportflow-key:{key}]"


@dataclass(frozen=True)
class ShopifyRefund:
    refund_id: str
    order_id: str
    amount_cents: int
    currency: str
    created_at: datetime
    note: str

    @property
    def key(self) -> str | None:
        found = KEY_PATTERN.search(self.note)
        return found.group(1) if found else None


@dataclass(frozen=True)
class RefundChannel:
    """A payment Shopify suggests refunding to: its gateway, parent transaction and maximum."""

    gateway: str
    parent_id: str | None
    maximum_cents: int


@dataclass(frozen=True)
class RefundableOrder:
    order_id: str
    currency: str
    received_cents: int
    refundable_cents: int
    refunds: list[ShopifyRefund]
    channels: list[RefundChannel]
    line_items: list[tuple[str, int]]

    @property
    def refunded_cents(self) -> int:
        return sum(refund.amount_cents for refund in self.refunds)

    def refunded_since_cents(self, since: datetime) -> int:
        return sum(r.amount_cents for r in self.refunds if r.created_at >= since)


class ShopifyCommerce(CommercePort):
    """Orders of one shop; ids are Shopify's global ids (`gid://shopify/Order/<n>`)."""

    def __init__(self, admin: ShopifyAdmin, customer_for_email: CustomerForEmail) -> None:
        self.admin = admin
        self._customer_for_email = customer_for_email

    def get_order(self, order_id: str) -> OrderInfo | None:
        if not order_id.startswith(SHOPIFY_ORDER_PREFIX):
            return None
        order = self.admin.execute(ORDER_QUERY, {"id": order_id}).get("order")
        if order is None:
            return None
        customer = order.get("customer") or {}
        email = customer.get("email")
        known = self._customer_for_email(email) if email else None
        return OrderInfo(
            order_id=order["id"],
            customer_id=known or f"shopify:{str(customer.get('id', '')).rsplit('/', 1)[-1]}",
            placed_at=datetime.fromisoformat(order["createdAt"]),
            currency=order["currencyCode"].lower(),
            total_cents=cents(order["totalPriceSet"]["shopMoney"]["amount"]),
            lines=[_line(node) for node in order["lineItems"]["nodes"]],
            commerce_system="shopify",
        )


def refundable_order(order: dict[str, Any]) -> RefundableOrder:
    """What was received and refunded on the order, and Shopify's own suggestion of what a full
    refund may still pay back (`suggestedRefund`), per payment."""
    suggested = order["suggestedRefund"]
    currency = order["currencyCode"].lower()
    return RefundableOrder(
        order_id=order["id"],
        currency=currency,
        received_cents=cents(order["totalReceivedSet"]["shopMoney"]["amount"]),
        refundable_cents=cents(suggested["maximumRefundableSet"]["shopMoney"]["amount"]),
        refunds=[refund_from_node(order["id"], refund, currency) for refund in order["refunds"]],
        channels=[
            RefundChannel(
                gateway=t["gateway"],
                parent_id=(t.get("parentTransaction") or {}).get("id"),
                maximum_cents=cents(t["maximumRefundableSet"]["shopMoney"]["amount"]),
            )
            for t in suggested["suggestedTransactions"]
        ],
        line_items=[(i["lineItem"]["id"], i["quantity"]) for i in suggested["refundLineItems"]],
    )


def refund_from_node(order_id: str, refund: dict[str, Any], currency: str) -> ShopifyRefund:
    money = refund["totalRefundedSet"]["shopMoney"]
    return ShopifyRefund(
        refund_id=refund["id"],
        order_id=order_id,
        amount_cents=cents(money["amount"]),
        currency=str(money.get("currencyCode") or currency).lower(),
        created_at=datetime.fromisoformat(refund["createdAt"]),
        note=refund.get("note") or "",
    )


def _line(node: dict[str, Any]) -> OrderLineInfo:
    return OrderLineInfo(
        sku=node.get("sku") or node["id"].rsplit("/", 1)[-1],
        title=node["title"],
        quantity=node["quantity"],
        unit_price_cents=cents(node["originalUnitPriceSet"]["shopMoney"]["amount"]),
    )
