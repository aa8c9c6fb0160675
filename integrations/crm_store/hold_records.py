"""CrmStore's money holds: one money case per order at a time (see `holds`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from integrations.crm_store import holds
from integrations.crm_store.holds import HoldResult
from integrations.crm_store.tables import OrderMoneyHold
from integrations.crm_store.transactions import CrmTransactions


class OrderHoldRecords(CrmTransactions):
    """Holding an order for one money case, and releasing it."""

    def hold_order(
        self,
        *,
        order_id: str,
        workflow_id: str,
        ticket_id: str,
        customer_id: str,
        process: str,
        amount_cents: int,
        now: datetime,
        stale_after: timedelta,
    ) -> HoldResult:
        """Hold the order for this case, or say which case holds it. Repeating it for the same
        workflow renews the hold; a hold older than `stale_after` is taken over (see `holds`)."""
        wanted = OrderMoneyHold(
            order_id=order_id,
            workflow_id=workflow_id,
            ticket_id=ticket_id,
            customer_id=customer_id,
            process=process,
            amount_cents=amount_cents,
            acquired_at=now,
        )
        with self.session() as session:
            return holds.hold(session, wanted, stale_after)

    def release_order_hold(self, order_id: str, workflow_id: str) -> bool:
        """Release the order if this case holds it; True if it did. Safe to repeat."""
        with self.session() as session:
            return holds.release(session, order_id, workflow_id)

    def money_in_flight_for_customer(
        self, customer_id: str, excluding_workflow_id: str
    ) -> tuple[int, int]:
        """(count, cents) of the customer's other open money cases."""
        with self.session() as session:
            return holds.in_flight_for_customer(session, customer_id, excluding_workflow_id)

    def adjusted_elsewhere_on_order(
        self, order_id: str, charge_id: str, since: datetime, excluding_workflow_id: str
    ) -> int:
        """Cents other cases moved on the order since `since` that its charge does not show
        as refunded (see `holds.adjusted_elsewhere`)."""
        with self.session() as session:
            return holds.adjusted_elsewhere(
                session, order_id, charge_id, since, excluding_workflow_id
            )
