"""One contract, two adapters: the SQL store and Shopify answer the commerce port alike.

Each test runs against both, seeded with the same order (Maya's dripper and filters); what
differs is only how the order is named and which system refunds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.commerce import CommerceActivities
from activities.models import LoadOrderInput
from integrations.commerce import CommercePort, OrdersByShop, SqlCommerce
from integrations.crm_store import CrmStore
from integrations.shopify_orders import ShopifyCommerce
from tests.commerce.conftest import PLACED_AT, add_shopify_order
from tests.commerce.shopify_fake import FakeShopify
from tests.crm.factories import MAYA, add_customer_and_order


@dataclass
class Seeded:
    port: CommercePort
    order_id: str
    missing_id: str
    system: str


@pytest.fixture(params=["sql", "shopify", "orders-by-shop"])
def seeded(
    request: pytest.FixtureRequest,
    store: CrmStore,
    fake_shopify: FakeShopify,
    shopify_commerce: ShopifyCommerce,
) -> Seeded:
    add_customer_and_order(store, placed_at=PLACED_AT)
    if request.param == "sql":
        return Seeded(SqlCommerce(store), "ord_1", "ord_missing", "store")
    order_id = add_shopify_order(fake_shopify)
    port: CommercePort = shopify_commerce
    if request.param == "orders-by-shop":
        port = OrdersByShop(shopify_commerce, SqlCommerce(store))
    return Seeded(port, order_id, "gid://shopify/Order/999999", "shopify")


def test_the_order_with_its_customer_and_lines(seeded: Seeded) -> None:
    order = seeded.port.get_order(seeded.order_id)

    assert order is not None
    assert (order.order_id, order.customer_id) == (seeded.order_id, MAYA.id)
    assert (order.total_cents, order.currency, order.placed_at) == (3400, "usd", PLACED_AT)
    assert [(line.sku, line.quantity, line.unit_price_cents) for line in order.lines] == [
        ("DRIP", 1, 2200),
        ("FILT", 2, 600),
    ]
    assert order.commerce_system == seeded.system


def test_an_order_the_system_lacks_is_none(seeded: Seeded) -> None:
    assert seeded.port.get_order(seeded.missing_id) is None


@pytest.mark.parametrize(
    ("which", "customer_id", "error_type"),
    [("missing", MAYA.id, "OrderNotFound"), ("known", "cus_other", "OrderCustomerMismatch")],
)
def test_load_order_refusals_are_non_retryable(
    seeded: Seeded, which: str, customer_id: str, error_type: str
) -> None:
    order_id = seeded.missing_id if which == "missing" else seeded.order_id
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            CommerceActivities(seeded.port).load_order,
            LoadOrderInput(order_id=order_id, customer_id=customer_id),
        )
    assert (raised.value.type, raised.value.non_retryable) == (error_type, True)


def test_a_shopify_customer_unknown_to_the_crm_owns_no_ticket(
    store: CrmStore, fake_shopify: FakeShopify, shopify_commerce: ShopifyCommerce
) -> None:
    add_customer_and_order(store, placed_at=PLACED_AT)
    order_id = add_shopify_order(fake_shopify, email="stranger@example.com")

    order = shopify_commerce.get_order(order_id)

    assert order is not None and order.customer_id.startswith("shopify:")
    assert order.customer_id != MAYA.id
