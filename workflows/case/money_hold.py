"""The order's money hold: one case moving money on an order at a time, for every process.

A refund, a billing adjustment or a chargeback response takes the hold before its money step
and releases it once its outcome is recorded, so the next case on the order counts what this one
moved. The hold also reports the customer's other money cases in flight, which the limits count.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import HoldOrderInput, OrderHoldResult, ReleaseOrderHoldInput
    from workflows.case.options import RECORD_OPTIONS


class OrderTaken(Exception):
    """Another case holds the order; this one must not move money on it."""

    def __init__(self, holder_ticket_id: str) -> None:
        super().__init__(holder_ticket_id)
        self.holder_ticket_id = holder_ticket_id


class MoneyHold:
    """Takes, renews and releases this case's hold on one order."""

    def __init__(self, process: str, ticket_id: str) -> None:
        self._process = process
        self._ticket_id = ticket_id
        self.current: OrderHoldResult | None = None
        self._order_id: str | None = None

    @property
    def in_flight_cents(self) -> int:
        return self.current.in_flight_cents if self.current else 0

    @property
    def in_flight_count(self) -> int:
        return self.current.in_flight_refund_count if self.current else 0

    @property
    def adjusted_elsewhere_cents(self) -> int:
        return self.current.adjusted_elsewhere_cents if self.current else 0

    async def take(
        self,
        *,
        order_id: str,
        customer_id: str,
        amount_cents: int,
        stale_after_hours: float,
        adjusted_since: datetime | None = None,
        charge_id: str | None = None,
    ) -> OrderHoldResult:
        """Takes or renews the hold; raises `OrderTaken` when another case holds the order.
        With `adjusted_since` and the order's `charge_id`, the result also carries what other
        cases moved on the order since then that the charge does not show (credits, refunds
        on its other charges)."""
        hold = await workflow.execute_activity_method(
            CrmActivities.hold_order_for_money,
            HoldOrderInput(
                order_id=order_id,
                workflow_id=workflow.info().workflow_id,
                ticket_id=self._ticket_id,
                customer_id=customer_id,
                process=self._process,
                amount_cents=amount_cents,
                stale_after_hours=stale_after_hours,
                adjusted_since=adjusted_since,
                charge_id=charge_id,
            ),
            summary=f"Hold order {order_id} for this {self._process}",
            **RECORD_OPTIONS,
        )
        if not hold.held:
            raise OrderTaken(hold.holder_ticket_id)
        self.current, self._order_id = hold, order_id
        return hold

    async def release(self) -> None:
        if self._order_id is None:
            return
        await workflow.execute_activity_method(
            CrmActivities.release_order_hold,
            ReleaseOrderHoldInput(order_id=self._order_id, workflow_id=workflow.info().workflow_id),
            summary=f"Release order {self._order_id}",
            **RECORD_OPTIONS,
        )
        self._order_id = None
