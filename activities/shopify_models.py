"""Inputs of the Shopify refund activities (their outputs are `ChargeState` and
`RefundResult`, the same the Stripe path returns, so the refund policy reads both alike)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ShopifyRefundableInput(BaseModel):
    """`refunds_since`: also sum the refunds created on the order at or after this time."""

    order_id: str
    refunds_since: datetime | None = None


class IssueShopifyRefundInput(BaseModel):
    """`idempotency_key` is minted by the workflow from its id and the step, as for Stripe."""

    idempotency_key: str
    order_id: str
    amount_cents: int = Field(gt=0)
    currency: str
    ticket_id: str
    workflow_id: str
    approval_request_id: str | None = None
    notify_customer: bool = True
    restock: bool = False
