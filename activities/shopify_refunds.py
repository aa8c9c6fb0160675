"""Shopify refund activities: what an order still allows, and its refund made exactly once.

Synchronous (the HTTP client blocks); Temporal runs them in the activity thread pool. Exactly
once, as for Stripe refunds (`activities/billing.py`), without trusting the server alone:
- the workflow's key goes into `@idempotent(key:)` and into the refund's note, and the order's
  refunds are read for it before anything is created (a previous attempt that died after Shopify
  answered, or a retry after Shopify forgot the key, finds that refund);
- the client's HTTP timeout is below the attempt's start-to-close, and `refundCreate` is only
  sent while the attempt has the time to finish it;
- after creating, the order's refunds are read again and exactly one may carry the key.
"""

from __future__ import annotations

import time

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import (
    ATTEMPT_TOO_SHORT,
    DUPLICATE_REFUND_DETECTED,
    REFUND_CURRENCY_MISMATCH,
    REFUND_EXCEEDS_REFUNDABLE,
    REFUND_NOT_LISTED,
)
from activities.models import ChargeState, RefundResult
from activities.shopify_errors import SHOPIFY_NOT_CONFIGURED, shopify_errors
from activities.shopify_models import IssueShopifyRefundInput, ShopifyRefundableInput
from integrations.shopify_orders import ShopifyRefund
from integrations.shopify_refunds import ShopifyRefunds

_DEADLINE_MARGIN_SECONDS = 1.0


class ShopifyRefundActivities:
    """Bound to one shop's client, or to None on a worker without Shopify settings (a Shopify
    order can then only reach it from a misconfigured fleet: refused for good, nothing paid)."""

    def __init__(self, refunds: ShopifyRefunds | None) -> None:
        self._refunds = refunds

    @activity.defn(name="get_shopify_refundable")
    def get_shopify_refundable(self, data: ShopifyRefundableInput) -> ChargeState:
        """The order as a charge: received, already paid back (what Shopify's `suggestedRefund`
        no longer allows), and refunds made since `refunds_since`, for the same policy."""
        refunds = self._client()
        with shopify_errors("order_refundable"):
            order = refunds.refundable(data.order_id)
        since = data.refunds_since
        return ChargeState(
            charge_id=order.order_id,
            amount_cents=order.received_cents,
            amount_refunded_cents=max(order.received_cents - order.refundable_cents, 0),
            currency=order.currency,
            status="paid" if order.received_cents else "unpaid",
            refunded_since_cents=order.refunded_since_cents(since) if since else None,
            refunds_since=since,
        )

    @activity.defn(name="issue_shopify_refund")
    def issue_shopify_refund(self, data: IssueShopifyRefundInput) -> RefundResult:
        started = time.monotonic()
        refunds, key = self._client(), data.idempotency_key
        with shopify_errors("order_refundable"):
            order = refunds.refundable(data.order_id)
        ours = [r for r in order.refunds if r.key == key]
        if len(ours) > 1:
            raise _duplicate(ours, key)
        if ours:
            activity.logger.info("refund %s already exists for key %s", ours[0].refund_id, key)
            return _result(ours[0], found_existing=True)
        if order.currency != data.currency.lower():
            raise ApplicationError(
                f"refund in {data.currency} asked for order {order.order_id} in {order.currency}",
                type=REFUND_CURRENCY_MISMATCH,
                non_retryable=True,
            )
        if order.refundable_cents < data.amount_cents:
            raise ApplicationError(
                f"refund of {data.amount_cents} exceeds the {order.refundable_cents} "
                f"still refundable on order {order.order_id}",
                {"refundable_cents": order.refundable_cents},
                type=REFUND_EXCEEDS_REFUNDABLE,
                non_retryable=True,
            )
        _require_time_for_one_call(started, refunds.timeout_seconds)
        with shopify_errors("refund_create"):
            refund = refunds.create_refund(
                order,
                data.amount_cents,
                key,
                f"supportflow ticket {data.ticket_id}",
                notify=data.notify_customer,
                restock=data.restock,
            )
        with shopify_errors("order_refundable"):
            listed = refunds.refunds_with_key(data.order_id, key)
        if len(listed) > 1:
            raise _duplicate(listed, key)
        if not listed:
            raise ApplicationError(
                f"refund {refund.refund_id} was created but the order does not list it yet",
                type=REFUND_NOT_LISTED,
            )
        activity.logger.info(
            "Shopify refund %s of %d on %s", refund.refund_id, refund.amount_cents, data.order_id
        )
        return _result(refund, found_existing=False)

    def _client(self) -> ShopifyRefunds:
        if self._refunds is None:
            raise ApplicationError(
                "this worker has no Shopify store configured (SHOPIFY_SHOP, "
                "SHOPIFY_ACCESS_TOKEN); nothing was refunded",
                type=SHOPIFY_NOT_CONFIGURED,
                non_retryable=True,
            )
        return self._refunds


def _require_time_for_one_call(started: float, timeout_seconds: float) -> None:
    """Never start refundCreate unless it ends (by its timeout at worst) inside this attempt."""
    budget = activity.info().start_to_close_timeout
    if budget is None:
        return
    left = budget.total_seconds() - (time.monotonic() - started)
    if left < timeout_seconds + _DEADLINE_MARGIN_SECONDS:
        raise ApplicationError(
            f"only {left:.1f}s of the attempt left for a {timeout_seconds:.1f}s refund call",
            type=ATTEMPT_TOO_SHORT,
        )


def _duplicate(refunds: list[ShopifyRefund], key: str) -> ApplicationError:
    ids = [refund.refund_id for refund in refunds]
    total = sum(refund.amount_cents for refund in refunds)
    activity.logger.error("DUPLICATE REFUND: %s carry key %s (%d cents)", ids, key, total)
    return ApplicationError(
        f"{len(ids)} Shopify refunds carry one key on {refunds[0].order_id}: {', '.join(ids)}",
        {"refund_ids": ids, "live_cents": total},
        type=DUPLICATE_REFUND_DETECTED,
        non_retryable=True,
    )


def _result(refund: ShopifyRefund, *, found_existing: bool) -> RefundResult:
    return RefundResult(
        refund_id=refund.refund_id,
        charge_id=refund.order_id,
        amount_cents=refund.amount_cents,
        currency=refund.currency,
        status="succeeded",
        found_existing=found_existing,
    )
