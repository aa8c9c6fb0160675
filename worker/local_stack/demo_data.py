"""Demo customers, orders and charges for `make run`, and the ticket scenarios filed against them.

Seeding is idempotent: customers and orders are inserted only if absent, and a charge is created
in Stripe only for an order that is not in the store yet, so running the demo again reuses the
same data. Order ages are fixed relative to the first seeding; the scenarios below are checked
against the default policy (policies/refund_policy.json) by the tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from activities.models import OrderLineInfo
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment
from policies.refund_policy import Verdict

logger = logging.getLogger(__name__)

DEMO_CURRENCY = "usd"

# (amount_cents, currency, description, email) -> (charge id, payment intent id)
ChargeFactory = Callable[[int, str, str, str], tuple[str, str | None]]


@dataclass(frozen=True)
class DemoOrder:
    order_id: str
    customer_id: str
    age_days: int
    lines: tuple[OrderLineInfo, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)


@dataclass(frozen=True)
class DemoScenario:
    """A demo ticket and what the default refund policy is expected to decide for it."""

    name: str
    ticket_id: str
    customer_id: str
    order_id: str
    subject: str
    body: str
    expected_verdict: Verdict
    expected_rule: str


class DemoSeedResult(BaseModel):
    customers_added: int
    orders_added: int
    charges_created: int


def _line(sku: str, title: str, quantity: int, unit_price_cents: int) -> OrderLineInfo:
    return OrderLineInfo(sku=sku, title=title, quantity=quantity, unit_price_cents=unit_price_cents)


DEMO_CUSTOMERS: tuple[CustomerView, ...] = (
    CustomerView(id="cus_1001", name="Maya Patel", email="maya.patel@example.com", tier="standard"),
    CustomerView(
        id="cus_1002", name="Jonas Becker", email="jonas.becker@example.com", tier="standard"
    ),
    CustomerView(id="cus_1003", name="Amara Okafor", email="amara.okafor@example.com", tier="gold"),
    CustomerView(id="cus_1004", name="Lucas Moreau", email="lucas.moreau@example.com", tier="gold"),
    CustomerView(id="cus_1005", name="Sofia Rossi", email="sofia.rossi@example.com", tier="vip"),
    CustomerView(
        id="cus_1006", name="Kenji Watanabe", email="kenji.watanabe@example.com", tier="standard"
    ),
)

DEMO_ORDERS: tuple[DemoOrder, ...] = (
    DemoOrder(
        "ord_5001",
        "cus_1001",
        4,
        (
            _line("POUR-OVER-01", "Ceramic pour-over dripper", 1, 2200),
            _line("FILTER-100", "Paper filters (100)", 2, 600),
        ),
    ),
    DemoOrder(
        "ord_5002",
        "cus_1002",
        9,
        (_line("HP-ANC-700", "Wireless noise-cancelling headphones", 1, 18000),),
    ),
    DemoOrder(
        "ord_5003", "cus_1006", 75, (_line("HOODIE-MER-M", "Merino wool hoodie (M)", 1, 6400),)
    ),
    DemoOrder(
        "ord_5004",
        "cus_1003",
        6,
        (
            _line("ESP-PRO-2", "Dual-boiler espresso machine", 1, 64900),
            _line("GRIND-BURR", "Conical burr grinder", 1, 9100),
        ),
    ),
    DemoOrder(
        "ord_5005",
        "cus_1005",
        20,
        (
            _line("DESK-OAK-160", "Standing desk, oak, 160 cm", 1, 89000),
            _line("LAMP-ARC", "Arc floor lamp", 1, 12500),
        ),
    ),
    DemoOrder(
        "ord_5006",
        "cus_1004",
        45,
        (_line("SHOE-TRAIL-43", "Trail running shoes (EU 43)", 1, 13900),),
    ),
    DemoOrder("ord_5007", "cus_1001", 120, (_line("MUG-SET-4", "Stoneware mug set (4)", 1, 4800),)),
    DemoOrder("ord_5008", "cus_1002", 2, (_line("CABLE-USBC-2M", "USB-C cable, 2 m", 3, 1500),)),
    # Refunded by automation after a person hands the review-loop demo back (demo_review).
    DemoOrder("ord_5009", "cus_1006", 5, (_line("KETTLE-TRAVEL", "Travel kettle", 1, 2900),)),
)

AUTO_APPROVE = DemoScenario(
    name="auto-approve",
    ticket_id="demo-auto-approve",
    customer_id="cus_1001",
    order_id="ord_5001",
    subject="Dripper arrived cracked",
    body="The ceramic dripper from my last order arrived cracked in the box. Can I get a refund?",
    expected_verdict=Verdict.AUTO_APPROVE,
    expected_rule="within_auto_approve_limit",
)
NEEDS_APPROVAL = DemoScenario(
    name="needs-approval",
    ticket_id="demo-needs-approval",
    customer_id="cus_1002",
    order_id="ord_5002",
    subject="Headphones stopped charging",
    body="My headphones stopped charging after a week. I'd like my money back, please.",
    expected_verdict=Verdict.NEEDS_APPROVAL,
    expected_rule="single_approval_required",
)
DENIED_OLD = DemoScenario(
    name="denied-old-order",
    ticket_id="demo-denied-old-order",
    customer_id="cus_1006",
    order_id="ord_5003",
    subject="Hoodie shrank",
    body="The hoodie I bought a while ago shrank in the wash. Please refund it.",
    expected_verdict=Verdict.DENY,
    expected_rule="outside_refund_window",
)
DUAL_APPROVAL = DemoScenario(
    name="dual-approval",
    ticket_id="demo-dual-approval",
    customer_id="cus_1003",
    order_id="ord_5004",
    subject="Espresso machine leaks",
    body="The espresso machine leaks from the boiler on every shot. I want a full refund.",
    expected_verdict=Verdict.NEEDS_APPROVAL,
    expected_rule="dual_approval_required",
)
DEMO_SCENARIOS: tuple[DemoScenario, ...] = (AUTO_APPROVE, NEEDS_APPROVAL, DENIED_OLD, DUAL_APPROVAL)


def seed_demo_data(
    store: CrmStore, charge_factory: ChargeFactory, *, now: datetime | None = None
) -> DemoSeedResult:
    """Insert the demo customers and orders that are missing, charging each new order once.

    A crash between a charge and its order row leaves one unused test charge behind; the next
    run charges that order again. Acceptable for demo data, never for real orders.
    """
    now = now or datetime.now(UTC)
    customers_added = sum(store.add_customer(customer) for customer in DEMO_CUSTOMERS)
    emails = {customer.id: customer.email for customer in DEMO_CUSTOMERS}
    orders_added = 0
    for order in DEMO_ORDERS:
        if store.order_exists(order.order_id):
            continue
        charge_id, payment_intent_id = charge_factory(
            order.total_cents,
            DEMO_CURRENCY,
            f"supportflow demo order {order.order_id}",
            emails[order.customer_id],
        )
        store.add_order(
            NewOrder(
                order_id=order.order_id,
                customer_id=order.customer_id,
                placed_at=now - timedelta(days=order.age_days),
                currency=DEMO_CURRENCY,
                total_cents=order.total_cents,
                lines=list(order.lines),
                payment=NewPayment(
                    charge_id=charge_id,
                    payment_intent_id=payment_intent_id,
                    amount_cents=order.total_cents,
                    currency=DEMO_CURRENCY,
                ),
            )
        )
        orders_added += 1
    result = DemoSeedResult(
        customers_added=customers_added, orders_added=orders_added, charges_created=orders_added
    )
    logger.info("Demo data seeded: %s", result.model_dump())
    return result
