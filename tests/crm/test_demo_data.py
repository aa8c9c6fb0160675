"""Demo seeding is idempotent and its scenarios mean what the launcher says they mean."""

from __future__ import annotations

import pytest
from sqlmodel import col, delete

from integrations.commerce import SqlCommerce
from integrations.crm_store import CrmStore
from integrations.crm_store.tables import Customer, Order, OrderLine, Payment
from policies.loader import load_refund_policy
from policies.refund_policy import RefundFacts, evaluate_refund
from tests.crm.conftest import T0, count_rows
from worker.local_stack.demo_data import (
    DEMO_CUSTOMERS,
    DEMO_ORDERS,
    DEMO_SCENARIOS,
    DemoScenario,
    seed_demo_data,
)


class FakeCharges:
    """Stands in for StripeBilling.create_demo_charge and remembers every charge it made."""

    def __init__(self) -> None:
        self.charges: list[tuple[int, str, str, str]] = []

    def __call__(
        self, amount_cents: int, currency: str, description: str, email: str
    ) -> tuple[str, str]:
        self.charges.append((amount_cents, currency, description, email))
        n = len(self.charges)
        return f"ch_demo_{n}", f"pi_demo_{n}"


def test_seeding_twice_adds_nothing_the_second_time(store: CrmStore) -> None:
    charges = FakeCharges()

    first = seed_demo_data(store, charges, now=T0)
    second = seed_demo_data(store, charges, now=T0)

    assert (first.customers_added, first.orders_added) == (len(DEMO_CUSTOMERS), len(DEMO_ORDERS))
    assert first.charges_created == len(charges.charges) == len(DEMO_ORDERS)
    assert (second.customers_added, second.orders_added, second.charges_created) == (0, 0, 0)
    assert len(charges.charges) == len(DEMO_ORDERS)
    assert count_rows(store, Customer) == len(DEMO_CUSTOMERS)
    assert count_rows(store, Order) == len(DEMO_ORDERS)
    assert count_rows(store, Payment) == len(DEMO_ORDERS)
    assert count_rows(store, OrderLine) == sum(len(order.lines) for order in DEMO_ORDERS)
    assert sorted(amount for amount, *_ in charges.charges) == sorted(
        order.total_cents for order in DEMO_ORDERS
    )


def test_only_missing_orders_are_charged(store: CrmStore) -> None:
    seed_demo_data(store, FakeCharges(), now=T0)
    last = DEMO_ORDERS[-1].order_id
    with store.session() as session:
        # A store that lost one order, e.g. restored from an older backup.
        session.exec(delete(OrderLine).where(col(OrderLine.order_id) == last))
        session.exec(delete(Payment).where(col(Payment.order_id) == last))
        session.exec(delete(Order).where(col(Order.id) == last))

    charges = FakeCharges()
    result = seed_demo_data(store, charges, now=T0)

    assert result.orders_added == 1
    assert [description for _, _, description, _ in charges.charges] == [
        f"supportflow demo order {last}"
    ]


@pytest.mark.parametrize("scenario", DEMO_SCENARIOS, ids=lambda s: s.name)
def test_scenarios_get_the_expected_policy_decision(
    store: CrmStore, scenario: DemoScenario
) -> None:
    seed_demo_data(store, FakeCharges(), now=T0)
    order = SqlCommerce(store).get_order(scenario.order_id)
    customer = store.get_customer(scenario.customer_id)
    assert order is not None and customer is not None
    assert order.customer_id == customer.id
    assert order.charge_id is not None

    decision = evaluate_refund(
        load_refund_policy().policy,
        RefundFacts(
            customer_tier=customer.tier,
            order_placed_at=order.placed_at,
            charge_amount_cents=order.total_cents,
            already_refunded_cents=0,
            recent_refund_count=0,
            now=T0,
        ),
    )

    assert (decision.verdict, decision.rule) == (scenario.expected_verdict, scenario.expected_rule)
