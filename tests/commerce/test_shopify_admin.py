"""The GraphQL client against the fake Shopify: what it sends, and every answer but data as the
exception the error mapping classifies."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.shopify_models import IssueShopifyRefundInput
from activities.shopify_refunds import ShopifyRefundActivities
from integrations.shopify_admin import (
    ShopifyAdmin,
    ShopifyRejected,
    ShopifyUnavailable,
    cost_wait_seconds,
)
from integrations.shopify_orders import ORDER_QUERY
from integrations.shopify_refunds import ShopifyRefunds
from tests.commerce.conftest import SHOP, add_shopify_order
from tests.commerce.shopify_fake import TOKEN, FakeShopify
from tests.triage.fake_openai import free_port
from workflows.case.options import MONEY_OPTIONS


def test_the_answer_holds_only_the_selected_fields(
    fake_shopify: FakeShopify, shopify_admin: ShopifyAdmin
) -> None:
    order_id = add_shopify_order(fake_shopify)
    order = shopify_admin.execute(ORDER_QUERY, {"id": order_id})["order"]
    assert set(order) == {
        "id",
        "name",
        "createdAt",
        "currencyCode",
        "customer",
        "totalPriceSet",
        "lineItems",
    }


def test_a_field_outside_the_schema_is_rejected(
    fake_shopify: FakeShopify, shopify_admin: ShopifyAdmin
) -> None:
    order_id = add_shopify_order(fake_shopify)
    with pytest.raises(ShopifyRejected, match="doesn't exist"):
        shopify_admin.execute(
            "query Bad($id: ID!) { order(id: $id) { id fulfilment } }", {"id": order_id}
        )


def test_an_unreachable_shop_is_unavailable() -> None:
    admin = ShopifyAdmin(SHOP, TOKEN, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ShopifyUnavailable):
        admin.execute(ORDER_QUERY, {"id": "gid://shopify/Order/1"})


@pytest.mark.parametrize(
    ("extensions", "seconds"),
    [
        (
            {
                "cost": {
                    "requestedQueryCost": 752,
                    "throttleStatus": {"currentlyAvailable": 666, "restoreRate": 50.0},
                }
            },
            2,
        ),
        (
            {
                "cost": {
                    "requestedQueryCost": 10,
                    "throttleStatus": {"currentlyAvailable": 0, "restoreRate": 100},
                }
            },
            1,
        ),
        ({"cost": {"requestedQueryCost": 10}}, None),
        (None, None),
    ],
)
def test_cost_based_wait(extensions: dict | None, seconds: int | None) -> None:  # type: ignore[type-arg]
    assert cost_wait_seconds(extensions) == seconds


def test_answer_held_past_the_timeout_then_the_retry_finds_the_refund(
    fake_shopify: FakeShopify,
) -> None:
    """Shopify made the refund, but its answer came after the client gave up: the attempt fails
    retryable, and the next attempt's pre-check finds the refund by its key."""
    order_id = add_shopify_order(fake_shopify)
    admin = ShopifyAdmin(SHOP, TOKEN, base_url=fake_shopify.base_url, timeout_seconds=1.0)
    activities = ShopifyRefundActivities(ShopifyRefunds(admin))
    held = fake_shopify.hold_refund_create()
    data = IssueShopifyRefundInput(
        idempotency_key="ticket-T-9:refund",
        order_id=order_id,
        amount_cents=1200,
        currency="usd",
        ticket_id="T-9",
        workflow_id="ticket-T-9",
    )
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, start_to_close_timeout=MONEY_OPTIONS["start_to_close_timeout"]
    )

    with pytest.raises(ApplicationError) as raised:
        env.run(activities.issue_shopify_refund, data)
    assert (raised.value.type, raised.value.non_retryable) == ("ShopifyUnavailable", False)
    threading.Thread(target=held.release).start()

    retry = env.run(activities.issue_shopify_refund, data)

    assert retry.found_existing and retry.amount_cents == 1200
    assert [r.refund_id for r in fake_shopify.shop.refunds(order_id)] == [retry.refund_id]
    assert fake_shopify.shop.refund_creates == 1
