"""Refunds staff made in the commerce system (Shopify's admin) while a refund case is open.

Shopify's `refunds/create` webhook reaches the case as a signal. The case records it and, unless
it already moved money itself, ends resolved with that refund instead of paying a second time:
a pending approval is superseded (approving it would pay twice) and the refund is recorded in
the CRM as the case's own. Our own refunds never arrive here (the webhook skips notes carrying
our key), and a redelivered webhook is a no-op (refund ids are remembered in the case).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import RefundResult
    from workflows.case.approval_gate import ApprovalGate
    from workflows.case.record import CaseRecord

STAFF_REFUND_SIGNAL = "commerce_refund_recorded"


class StaffRefundNotice(BaseModel):
    """A refund made outside supportflow on the case's order (public: the webhook sends it)."""

    refund_id: str = Field(min_length=1, max_length=255)
    order_id: str = Field(min_length=1, max_length=64)
    amount_cents: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    created_at: datetime | None = None
    source: str = "shopify"


class StaffRefunds:
    def __init__(self, record: CaseRecord) -> None:
        self._record = record
        self._seen: set[str] = set()
        self.refund: RefundResult | None = None
        self.money_moved = False

    def receive(self, notice: StaffRefundNotice, gate: ApprovalGate) -> None:
        if notice.refund_id in self._seen:
            return
        self._seen.add(notice.refund_id)
        detail = f"{notice.refund_id} {notice.amount_cents} {notice.currency} on {notice.order_id}"
        self._record.note(notice.source, "staff_refund_recorded", detail)
        if self.money_moved or self.refund is not None:
            return
        self.refund = RefundResult(
            refund_id=notice.refund_id,
            charge_id=notice.order_id,
            amount_cents=notice.amount_cents,
            currency=notice.currency.lower(),
            status="succeeded",
            found_existing=True,
        )
        gate.supersede(f"refunded by staff in {notice.source} ({notice.refund_id})")

    def resolution(self) -> str:
        assert self.refund is not None
        return (
            f"Refunded by staff in the shop: {self.refund.amount_cents} {self.refund.currency} "
            f"({self.refund.refund_id}); no second refund was made."
        )
