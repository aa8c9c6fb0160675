"""Refunds in Shopify: `refundCreate` with the `@idempotent` directive, and the refunds already
on an order that carry our key.

Shopify refunds the order's own payments (through their gateways), restocks and notifies the
customer, so a Shopify order is refunded here, never in Stripe. Exactly once rests on the same
three legs as our Stripe refunds: the workflow's key goes into `@idempotent(key:)` and into the
refund's note, the order's refunds are read for it before anything is created, and read again
after, when exactly one refund may carry it.
"""

from __future__ import annotations

from typing import Any

from integrations.shopify_admin import ShopifyAdmin, ShopifyRejected, ShopifyUserErrors
from integrations.shopify_orders import (
    REFUNDABLE_QUERY,
    RefundableOrder,
    ShopifyRefund,
    key_note,
    money_text,
    refund_from_node,
    refundable_order,
)

REFUND_CREATE = """
mutation SupportRefund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id note createdAt totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""


class ShopifyRefunds:
    """Refund-side operations on one shop's orders."""

    def __init__(self, admin: ShopifyAdmin) -> None:
        self.admin = admin

    @property
    def timeout_seconds(self) -> float:
        return self.admin.timeout_seconds

    def refundable(self, order_id: str) -> RefundableOrder:
        order = self.admin.execute(REFUNDABLE_QUERY, {"id": order_id}).get("order")
        if order is None:
            raise ShopifyRejected(f"Shopify has no order {order_id}", status=200)
        return refundable_order(order)

    def refunds_with_key(self, order_id: str, key: str) -> list[ShopifyRefund]:
        return [r for r in self.refundable(order_id).refunds if r.key == key]

    def create_refund(
        self,
        order: RefundableOrder,
        amount_cents: int,
        key: str,
        note: str,
        *,
        notify: bool,
        restock: bool,
    ) -> ShopifyRefund:
        """One `refundCreate` of `amount_cents`, spread over the payments Shopify suggests (in its
        order); lines are restocked only when the whole order is refunded and policy says so."""
        refund_input: dict[str, Any] = {
            "orderId": order.order_id,
            "note": key_note(key, note),
            "notify": notify,
            "transactions": _transactions(order, amount_cents),
        }
        if restock and amount_cents >= order.refundable_cents:
            refund_input["refundLineItems"] = [
                {"lineItemId": line_id, "quantity": quantity, "restockType": "RETURN"}
                for line_id, quantity in order.line_items
            ]
        data = self.admin.execute(REFUND_CREATE, {"input": refund_input, "key": key})
        payload = data.get("refundCreate") or {}
        if payload.get("userErrors"):
            raise ShopifyUserErrors("refundCreate", payload["userErrors"])
        refund = payload.get("refund")
        if refund is None:
            raise ShopifyRejected("refundCreate returned no refund and no userErrors", status=200)
        return refund_from_node(order.order_id, refund, order.currency)


def _transactions(order: RefundableOrder, amount_cents: int) -> list[dict[str, Any]]:
    left = amount_cents
    transactions = []
    for channel in order.channels:
        if left <= 0:
            break
        part = min(left, channel.maximum_cents)
        if part <= 0:
            continue
        transactions.append(
            {
                "orderId": order.order_id,
                "gateway": channel.gateway,
                "kind": "REFUND",
                "amount": money_text(part),
                "parentId": channel.parent_id,
            }
        )
        left -= part
    return transactions
