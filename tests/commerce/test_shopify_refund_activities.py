"""The Shopify refund activities against the fake shop: exactly once, limits from Shopify, and
every failure mapped to a retryable or non-retryable ApplicationError."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.models import RefundResult
from activities.shopify_errors import shopify_errors
from activities.shopify_models import IssueShopifyRefundInput, ShopifyRefundableInput
from activities.shopify_refunds import ShopifyRefundActivities
from integrations.shopify_admin import ShopifyAdmin
from integrations.shopify_refunds import ShopifyRefunds
from tests.commerce.conftest import PLACED_AT, SHOP, add_shopify_order
from tests.commerce.shopify_fake import FakeShopify
from workflows.case.options import MONEY_OPTIONS

KEY = "refund-T-1:refund"


def refund_input(
    order_id: str, amount_cents: int = 1500, key: str = KEY
) -> IssueShopifyRefundInput:
    return IssueShopifyRefundInput(
        idempotency_key=key,
        order_id=order_id,
        amount_cents=amount_cents,
        currency="usd",
        ticket_id="T-1",
        workflow_id="refund-T-1",
        restock=True,
    )


def run_refund(activities: ShopifyRefundActivities, data: IssueShopifyRefundInput) -> RefundResult:
    """With the money step's real start-to-close, so the attempt has time for refundCreate."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, start_to_close_timeout=MONEY_OPTIONS["start_to_close_timeout"]
    )
    return env.run(activities.issue_shopify_refund, data)


def test_refund_once_then_found_by_its_key(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    order_id = add_shopify_order(fake_shopify)
    activities = ShopifyRefundActivities(shopify_refunds)

    first = run_refund(activities, refund_input(order_id))
    again = run_refund(activities, refund_input(order_id))

    assert (first.amount_cents, first.found_existing) == (1500, False)
    assert (again.refund_id, again.found_existing) == (first.refund_id, True)
    refunds = fake_shopify.shop.refunds(order_id)
    assert [(r.refund_id, r.amount_cents) for r in refunds] == [(first.refund_id, 1500)]
    assert f"[supportflow-key:{KEY}]" in refunds[0].note
    # Partial: nothing restocked, only a full refund returns the lines.
    assert refunds[0].restocked == [] and refunds[0].notify


def test_a_full_refund_restocks_the_lines(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    order_id = add_shopify_order(fake_shopify)
    run_refund(ShopifyRefundActivities(shopify_refunds), refund_input(order_id, 3400))
    assert [(q, t) for _, q, t in fake_shopify.shop.refunds(order_id)[0].restocked] == [
        (1, "RETURN"),
        (2, "RETURN"),
    ]


def test_idempotent_directive_replays_without_a_second_refund(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    """Two refundCreate calls with one key (the pre-check bypassed): Shopify replays."""
    order_id = add_shopify_order(fake_shopify)
    order = shopify_refunds.refundable(order_id)
    first = shopify_refunds.create_refund(order, 1000, KEY, "t", notify=False, restock=False)
    second = shopify_refunds.create_refund(order, 1000, KEY, "t", notify=False, restock=False)

    assert first.refund_id == second.refund_id
    assert fake_shopify.shop.refund_creates == 1


def test_more_than_refundable_is_refused_before_shopify(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    order_id = add_shopify_order(fake_shopify)
    fake_shopify.shop.add_staff_refund(order_id, 3000, note="damaged in transit")

    with pytest.raises(ApplicationError) as raised:
        run_refund(ShopifyRefundActivities(shopify_refunds), refund_input(order_id, 1500))

    assert (raised.value.type, raised.value.non_retryable) == ("RefundExceedsRefundable", True)
    assert fake_shopify.operations("SupportRefund") == []


def test_shopify_user_errors_are_non_retryable(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    """Shopify itself refuses an over-refund (here asked for directly) with userErrors."""
    order_id = add_shopify_order(fake_shopify)
    order = shopify_refunds.refundable(order_id)
    fake_shopify.shop.add_staff_refund(order_id, 3000)

    with pytest.raises(ApplicationError) as raised, shopify_errors("refund_create"):
        shopify_refunds.create_refund(order, 1500, KEY, "t", notify=False, restock=False)
    assert (raised.value.type, raised.value.non_retryable) == ("ShopifyRefundRefused", True)
    assert len(fake_shopify.shop.refunds(order_id)) == 1


def test_throttled_query_is_retryable_after_the_cost_based_wait(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    order_id = add_shopify_order(fake_shopify)
    fake_shopify.throttle()

    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            ShopifyRefundActivities(shopify_refunds).get_shopify_refundable,
            ShopifyRefundableInput(order_id=order_id),
        )

    # 150 requested, 50 available, 100 restored per second: one second.
    assert (raised.value.type, raised.value.non_retryable) == ("ShopifyThrottled", False)
    assert raised.value.next_retry_delay == timedelta(seconds=1)


@pytest.mark.parametrize(
    ("status", "headers", "error_type", "retryable", "delay"),
    [
        (429, {"Retry-After": "2.0"}, "ShopifyThrottled", True, timedelta(seconds=2)),
        (503, {}, "ShopifyUnavailable", True, None),
        (500, {}, "ShopifyUnavailable", True, None),
        (402, {}, "ShopifyRejected", False, None),
        (404, {}, "ShopifyRejected", False, None),
    ],
)
def test_http_failures_map_to_one_classification(
    fake_shopify: FakeShopify,
    shopify_refunds: ShopifyRefunds,
    status: int,
    headers: dict[str, str],
    error_type: str,
    retryable: bool,
    delay: timedelta | None,
) -> None:
    order_id = add_shopify_order(fake_shopify)
    fake_shopify.fail(status, headers=headers)

    with pytest.raises(ApplicationError) as raised:
        run_refund(ShopifyRefundActivities(shopify_refunds), refund_input(order_id))

    assert (raised.value.type, not raised.value.non_retryable) == (error_type, retryable)
    assert raised.value.next_retry_delay == delay
    assert fake_shopify.shop.refund_creates == 0


def test_a_wrong_token_is_non_retryable(fake_shopify: FakeShopify) -> None:
    order_id = add_shopify_order(fake_shopify)
    admin = ShopifyAdmin(SHOP, "shpat_wrong", base_url=fake_shopify.base_url)

    with pytest.raises(ApplicationError) as raised:
        run_refund(ShopifyRefundActivities(ShopifyRefunds(admin)), refund_input(order_id))

    assert (raised.value.type, raised.value.non_retryable) == ("ShopifyAuthError", True)


def test_refundable_counts_refunds_in_the_window(
    fake_shopify: FakeShopify, shopify_refunds: ShopifyRefunds
) -> None:
    order_id = add_shopify_order(fake_shopify)
    fake_shopify.shop.add_staff_refund(order_id, 400)

    state = ActivityEnvironment().run(
        ShopifyRefundActivities(shopify_refunds).get_shopify_refundable,
        ShopifyRefundableInput(order_id=order_id, refunds_since=PLACED_AT),
    )

    assert (state.amount_cents, state.amount_refunded_cents) == (3400, 400)
    assert (state.refunded_since_cents, state.currency) == (400, "usd")


def test_no_shopify_configured_refuses_for_good() -> None:
    with pytest.raises(ApplicationError) as raised:
        run_refund(ShopifyRefundActivities(None), refund_input("gid://shopify/Order/1"))
    assert (raised.value.type, raised.value.non_retryable) == ("ShopifyNotConfigured", True)
