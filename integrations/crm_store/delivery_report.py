"""What delivery left undone, for people: counts per status and the replies that failed."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from integrations.crm_store.delivery_tables import EventDelivery
from integrations.crm_store.tables import OutboxMessage
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.views import OutboxMessageView
from integrations.delivery_models import DeliveryCounts


class DeliveryReport(CrmTransactions):
    def delivery_counts(self) -> DeliveryCounts:
        """Deliveries per status over every channel, and the replies that failed."""
        with self.session() as session:
            rows = session.exec(
                select(EventDelivery.status, func.count()).group_by(col(EventDelivery.status))
            ).all()
            counts = DeliveryCounts(
                **{status: n for status, n in rows if status in ("queued", "sent", "failed")}
            )
            counts.failed_replies = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "failed")
            ).one()
            return counts

    def failed_replies(self, limit: int = 50) -> list[OutboxMessageView]:
        """The newest replies no channel delivered, with why."""
        with self.session() as session:
            rows = session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.status == "failed")
                .order_by(col(OutboxMessage.id).desc())
                .limit(limit)
            ).all()
            return [OutboxMessageView.model_validate(r, from_attributes=True) for r in rows]
