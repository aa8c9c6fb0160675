"""Shopify refunds through the real activity and client against the loopback fake Shopify.

Prints key=value lines: shopify_refund_per_s (new refunds, each a pre-check read, refundCreate
and a check read), shopify_graphql_calls_per_refund, shopify_found_existing_per_s (a retry
after the refund exists: one read), shopify_refund_vs_found_ratio, and
shopify_throttle_retry_delay_s (the next_retry_delay a THROTTLED answer turns into). One run,
sequential, on loopback: it shows our overhead per refund, not Shopify's latency.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta

from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.shopify_models import IssueShopifyRefundInput, ShopifyRefundableInput
from activities.shopify_refunds import ShopifyRefundActivities
from integrations.shopify_admin import ShopifyAdmin
from integrations.shopify_refunds import ShopifyRefunds
from tests.commerce.shopify_fake import TOKEN, FakeShopify
from workflows.case.options import MONEY_OPTIONS

REFUNDS = 200


def main() -> dict[str, str]:
    fake = FakeShopify().start()
    admin = ShopifyAdmin("bench.myshopify.com", TOKEN, base_url=fake.base_url)
    activities = ShopifyRefundActivities(ShopifyRefunds(admin))
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info, start_to_close_timeout=MONEY_OPTIONS["start_to_close_timeout"]
    )
    placed = datetime.now(UTC) - timedelta(days=2)
    inputs = [
        IssueShopifyRefundInput(
            idempotency_key=f"ticket-B-{n}:refund",
            order_id=fake.shop.add_order(
                f"b{n}@example.com", [("SKU", "Item", 1, 5_000)], placed
            ).order_id,
            amount_cents=2_500,
            currency="usd",
            ticket_id=f"B-{n}",
            workflow_id=f"ticket-B-{n}",
        )
        for n in range(REFUNDS)
    ]
    try:
        started = time.perf_counter()
        for data in inputs:
            env.run(activities.issue_shopify_refund, data)
        created_s = time.perf_counter() - started
        calls = len(fake.calls)
        started = time.perf_counter()
        for data in inputs:
            assert env.run(activities.issue_shopify_refund, data).found_existing
        found_s = time.perf_counter() - started
        fake.throttle()
        try:
            env.run(
                activities.get_shopify_refundable,
                ShopifyRefundableInput(order_id=inputs[0].order_id),
            )
            delay = "none"
        except ApplicationError as throttled:
            wait = throttled.next_retry_delay
            delay = f"{wait.total_seconds():.0f}" if wait else "none"
        assert fake.shop.refund_creates == REFUNDS
    finally:
        admin.close()
        fake.close()
    return {
        "shopify_refund_per_s": f"{REFUNDS / created_s:.1f}",
        "shopify_graphql_calls_per_refund": f"{calls / REFUNDS:.1f}",
        "shopify_found_existing_per_s": f"{REFUNDS / found_s:.1f}",
        "shopify_refund_vs_found_ratio": f"{created_s / found_s:.2f}",
        "shopify_throttle_retry_delay_s": delay,
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}", flush=True)
