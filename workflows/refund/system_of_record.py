"""Which system refunds an order: Shopify for orders that live there, Stripe for the store's.

The refund process is the same for both (policy, approvals, audit, holds, limits); only the two
calls that read what an order still allows and that move the money go to the order's own system.
Both return what the Stripe path returns (`ChargeState`, `RefundResult`), so the policy and the
records read them alike. Orders from Shopify only exist from this release on; the patch marks
their histories anyway, so any later change here can tell them apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import ChargeState, OrderInfo, RefundResult
    from activities.shopify_models import IssueShopifyRefundInput, ShopifyRefundableInput
    from activities.shopify_refunds import ShopifyRefundActivities
    from policies.refund_policy import RefundDecision, RefundPolicy
    from workflows.case.options import MONEY_OPTIONS
    from workflows.refund.contract import RefundRequest

SHOPIFY_PATCH = "refund-orders-in-their-commerce-system"


def refunded_in_shopify(order: OrderInfo) -> bool:
    return order.commerce_system == "shopify" and workflow.patched(SHOPIFY_PATCH)


async def read_shopify_refundable(
    order: OrderInfo, refunds_since: datetime | None, *, summary: str, options: dict[str, Any]
) -> ChargeState:
    """The order as Shopify sees it now, as a charge: the bound for any refund."""
    return await workflow.execute_local_activity_method(
        ShopifyRefundActivities.get_shopify_refundable,
        ShopifyRefundableInput(order_id=order.order_id, refunds_since=refunds_since),
        summary=summary,
        **options,
    )


async def refund_in_shopify(
    request: RefundRequest,
    decision: RefundDecision,
    order: OrderInfo,
    currency: str,
    approval_id: str | None,
    policy: RefundPolicy | None,
) -> RefundResult:
    """The decided amount refunded in Shopify, once: the same key as a Stripe refund's."""
    workflow_id = workflow.info().workflow_id
    return await workflow.execute_activity_method(
        ShopifyRefundActivities.issue_shopify_refund,
        IssueShopifyRefundInput(
            idempotency_key=f"{workflow_id}:refund",
            order_id=order.order_id,
            amount_cents=decision.amount_cents,
            currency=currency,
            ticket_id=request.ticket_id,
            workflow_id=workflow_id,
            approval_request_id=approval_id,
            notify_customer=policy.shopify_notify_customer if policy else True,
            restock=policy.shopify_restock_full_refunds if policy else False,
        ),
        summary=f"Refund {decision.amount_cents} cents in Shopify on {order.order_id}",
        **MONEY_OPTIONS,
    )
