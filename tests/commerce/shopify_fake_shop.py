"""The state and semantics of a fake Shopify shop, for the GraphQL operations supportflow uses.

Follows the GraphQL Admin API (2026-01) as documented: `order` (customer, line items,
`totalReceivedSet`, `refunds`, `suggestedRefund(suggestFullRefund: true)` with its suggested
transactions), and `refundCreate` with the `@idempotent(key:)` directive: a replay with the same
key and variables answers what the first request answered without refunding again, the same key
with other variables is refused (`IDEMPOTENCY_KEY_PARAMETER_MISMATCH`), and a refund larger than
what a payment still allows ends in `userErrors`, with nothing refunded.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def money(cents: int, currency: str) -> dict[str, Any]:
    return {"shopMoney": {"amount": f"{Decimal(cents) / 100:.2f}", "currencyCode": currency}}


@dataclass
class FakeLine:
    line_id: str
    sku: str
    title: str
    quantity: int
    unit_cents: int


@dataclass
class FakeRefund:
    refund_id: str
    note: str
    created_at: datetime
    amount_cents: int
    restocked: list[tuple[str, int, str]] = field(default_factory=list)
    notify: bool = False


@dataclass
class FakeOrder:
    order_id: str
    created_at: datetime
    currency: str
    customer_id: str
    email: str
    lines: list[FakeLine]
    sale_id: str
    gateway: str = "shopify_payments"
    refunds: list[FakeRefund] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.unit_cents for line in self.lines)

    @property
    def refundable_cents(self) -> int:
        return self.total_cents - sum(refund.amount_cents for refund in self.refunds)


class UserErrors(Exception):
    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors)
        self.errors = errors


class FakeShop:
    """One shop's orders and refunds; thread-safe (the server answers on several threads)."""

    def __init__(self, currency: str = "USD") -> None:
        self.currency = currency
        self.orders: dict[str, FakeOrder] = {}
        self.lock = threading.RLock()
        self._ids = itertools.count(1001)
        # key -> (variables as sent, the response body the first request got)
        self.idempotent: dict[str, tuple[str, dict[str, Any]]] = {}
        self.in_flight_keys: set[str] = set()
        self.refund_creates = 0

    def add_order(
        self,
        email: str,
        lines: list[tuple[str, str, int, int]],
        created_at: datetime,
    ) -> FakeOrder:
        number = next(self._ids)
        order = FakeOrder(
            order_id=f"gid://shopify/Order/{number}",
            created_at=created_at,
            currency=self.currency,
            customer_id=f"gid://shopify/Customer/{number + 5000}",
            email=email,
            lines=[
                FakeLine(f"gid://shopify/LineItem/{number * 10 + i}", sku, title, qty, cents)
                for i, (sku, title, qty, cents) in enumerate(lines)
            ],
            sale_id=f"gid://shopify/OrderTransaction/{number * 7}",
        )
        with self.lock:
            self.orders[order.order_id] = order
        return order

    def add_staff_refund(self, order_id: str, amount_cents: int, note: str = "") -> FakeRefund:
        """A refund made by staff in the Shopify admin (no key of ours in its note)."""
        with self.lock:
            order = self.orders[order_id]
            refund = FakeRefund(self._refund_id(), note, datetime.now(UTC), amount_cents)
            order.refunds.append(refund)
            return refund

    def refunds(self, order_id: str) -> list[FakeRefund]:
        with self.lock:
            return list(self.orders[order_id].refunds)

    # -- GraphQL resolvers ----------------------------------------------------------------

    def order_node(self, order_id: str) -> dict[str, Any] | None:
        with self.lock:
            order = self.orders.get(order_id)
            return None if order is None else self._order_node(order)

    def _order_node(self, order: FakeOrder) -> dict[str, Any]:
        cur = order.currency
        left = order.refundable_cents
        return {
            "id": order.order_id,
            "name": f"#{order.order_id.rsplit('/', 1)[-1]}",
            "createdAt": order.created_at.isoformat().replace("+00:00", "Z"),
            "currencyCode": cur,
            "customer": {"id": order.customer_id, "email": order.email},
            "totalPriceSet": money(order.total_cents, cur),
            "totalReceivedSet": money(order.total_cents, cur),
            "lineItems": {
                "nodes": [
                    {
                        "id": line.line_id,
                        "sku": line.sku,
                        "title": line.title,
                        "quantity": line.quantity,
                        "originalUnitPriceSet": money(line.unit_cents, cur),
                    }
                    for line in order.lines
                ]
            },
            "refunds": [self._refund_node(r, cur) for r in order.refunds],
            "suggestedRefund": {
                "maximumRefundableSet": money(left, cur),
                "suggestedTransactions": [
                    {
                        "gateway": order.gateway,
                        "kind": "SUGGESTED_REFUND",
                        "maximumRefundableSet": money(left, cur),
                        "parentTransaction": {"id": order.sale_id},
                    }
                ]
                if left > 0
                else [],
                "refundLineItems": [
                    {"lineItem": {"id": line.line_id}, "quantity": line.quantity}
                    for line in order.lines
                ],
            },
        }

    def _refund_node(self, refund: FakeRefund, currency: str) -> dict[str, Any]:
        return {
            "id": refund.refund_id,
            "note": refund.note,
            "createdAt": refund.created_at.isoformat().replace("+00:00", "Z"),
            "totalRefundedSet": money(refund.amount_cents, currency),
        }

    def refund_create(self, refund_input: dict[str, Any]) -> dict[str, Any]:
        """The `RefundCreatePayload` for one input; raises `UserErrors` and refunds nothing when
        the input cannot be honoured whole."""
        with self.lock:
            order = self.orders.get(refund_input.get("orderId", ""))
            if order is None:
                raise UserErrors([{"field": ["orderId"], "message": "Order does not exist"}])
            amount = 0
            for transaction in refund_input.get("transactions") or []:
                if transaction.get("parentId") != order.sale_id or transaction.get("kind") != (
                    "REFUND"
                ):
                    raise UserErrors(
                        [{"field": ["transactions"], "message": "Parent transaction not found"}]
                    )
                amount += int(Decimal(str(transaction["amount"])) * 100)
            if amount <= 0:
                raise UserErrors([{"field": ["transactions"], "message": "Amount is required"}])
            if amount > order.refundable_cents:
                raise UserErrors(
                    [
                        {
                            "field": ["transactions", "0", "amount"],
                            "message": f"Amount cannot exceed the refundable amount of "
                            f"{Decimal(order.refundable_cents) / 100:.2f}",
                        }
                    ]
                )
            refund = FakeRefund(
                self._refund_id(),
                refund_input.get("note") or "",
                datetime.now(UTC),
                amount,
                restocked=[
                    (i["lineItemId"], i["quantity"], i.get("restockType", "NO_RESTOCK"))
                    for i in refund_input.get("refundLineItems") or []
                ],
                notify=bool(refund_input.get("notify")),
            )
            order.refunds.append(refund)
            self.refund_creates += 1
            return {
                "refund": self._refund_node(refund, order.currency),
                "userErrors": [],
            }

    def _refund_id(self) -> str:
        return f"gid://shopify/Refund/{next(self._ids) * 3}"


def variables_fingerprint(variables: dict[str, Any]) -> str:
    return json.dumps(variables, sort_keys=True)
