"""The SQL commerce port and the load_order activity's error types."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.commerce import CommerceActivities
from activities.models import LoadOrderInput
from integrations.commerce import CommercePort, SqlCommerce
from integrations.crm_store import CrmStore
from tests.crm.conftest import T0
from tests.crm.factories import MAYA, add_customer_and_order


def test_sql_commerce_reads_order_lines_and_charge(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=3))
    port: CommercePort = SqlCommerce(store)

    order = port.get_order("ord_1")

    assert order is not None
    assert (order.customer_id, order.total_cents, order.currency) == (MAYA.id, 3400, "usd")
    assert order.placed_at == T0 - timedelta(days=3)
    assert [(line.sku, line.quantity) for line in order.lines] == [("DRIP", 1), ("FILT", 2)]
    assert (order.charge_id, order.payment_intent_id) == ("ch_ord_1", "pi_ord_1")
    assert port.get_order("ord_missing") is None


def test_load_order_returns_the_customers_order(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    activities = CommerceActivities(SqlCommerce(store))

    order = ActivityEnvironment().run(
        activities.load_order, LoadOrderInput(order_id="ord_1", customer_id=MAYA.id)
    )

    assert order.charge_id == "ch_ord_1"


@pytest.mark.parametrize(
    ("order_id", "customer_id", "error_type"),
    [("ord_missing", MAYA.id, "OrderNotFound"), ("ord_1", "cus_other", "OrderCustomerMismatch")],
)
def test_load_order_refusals_are_non_retryable(
    store: CrmStore, order_id: str, customer_id: str, error_type: str
) -> None:
    add_customer_and_order(store, placed_at=T0)
    activities = CommerceActivities(SqlCommerce(store))

    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            activities.load_order, LoadOrderInput(order_id=order_id, customer_id=customer_id)
        )

    assert (raised.value.type, raised.value.non_retryable) == (error_type, True)
