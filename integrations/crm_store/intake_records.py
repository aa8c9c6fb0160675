"""CrmStore's customers, orders and tickets as they come in, and the notes on tickets."""

from __future__ import annotations

from sqlmodel import col, update

from integrations.crm_store import case_events, cases
from integrations.crm_store.tables import Customer, Note, Order, OrderLine, Payment, Ticket
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.views import CustomerView, NewOrder, TicketView
from integrations.crm_store.writes import insert_ignore, require_ticket


class IntakeRecords(CrmTransactions):
    """Customers, orders, tickets and notes: one transaction per method."""

    def add_customer(self, customer: CustomerView) -> bool:
        """Insert a customer unless one with this id exists; True if it was inserted."""
        with self.session() as session:
            row = Customer(**customer.model_dump(), created_at=self._clock())
            return insert_ignore(session, row, ["id"])

    def get_customer(self, customer_id: str) -> CustomerView | None:
        with self.session() as session:
            row = session.get(Customer, customer_id)
            return None if row is None else CustomerView.model_validate(row, from_attributes=True)

    def order_exists(self, order_id: str) -> bool:
        with self.session() as session:
            return session.get(Order, order_id) is not None

    def add_order(self, order: NewOrder) -> bool:
        """Insert an order with its lines and payment reference in one transaction."""
        with self.session() as session:
            row = Order(
                id=order.order_id,
                customer_id=order.customer_id,
                placed_at=order.placed_at,
                currency=order.currency,
                total_cents=order.total_cents,
                status=order.status,
            )
            created = insert_ignore(session, row, ["id"])
            for line in order.lines:
                line_row = OrderLine(order_id=order.order_id, **line.model_dump())
                insert_ignore(session, line_row, ["order_id", "sku"])
            if order.payment is not None:
                payment = Payment(
                    order_id=order.order_id,
                    created_at=order.placed_at,
                    **order.payment.model_dump(),
                )
                insert_ignore(session, payment, ["charge_id"])
            return created

    # -- tickets --------------------------------------------------------------------------

    def upsert_ticket(
        self,
        *,
        ticket_id: str,
        customer_id: str,
        process: str,
        workflow_id: str | None = None,
        order_id: str | None = None,
        subject: str = "",
        body: str = "",
        channel: str = "api",
    ) -> TicketView:
        """Record a ticket once. A repeat (retry, re-post) keeps the first version and its status;
        it only attaches the workflow id if the ticket was recorded before its case started."""
        now = self._clock()
        with self.session() as session:
            ticket = Ticket(
                id=ticket_id,
                customer_id=customer_id,
                order_id=order_id,
                subject=subject,
                body=body,
                channel=channel,
                process=process,
                workflow_id=workflow_id,
                created_at=now,
                updated_at=now,
            )
            if insert_ignore(session, ticket, ["id"]):
                case_events.add_case_event(
                    session,
                    ticket_id,
                    case_events.STARTED,
                    f"started:{ticket_id}",
                    now,
                    {"process": process, "subject": subject},
                )
            elif workflow_id is not None:
                session.exec(
                    update(Ticket)
                    .where(col(Ticket.id) == ticket_id, col(Ticket.workflow_id).is_(None))
                    .values(workflow_id=workflow_id, updated_at=now)
                )
            return cases.ticket_view(session, require_ticket(session, ticket_id))

    def get_ticket(self, ticket_id: str) -> TicketView | None:
        """The ticket with its audit trail, replies, approvals, refunds and notes."""
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            return None if ticket is None else cases.ticket_view(session, ticket)

    def add_note(
        self, ticket_id: str, author: str, body: str, dedupe_key: str | None = None
    ) -> bool:
        """Attach an internal note (not sent to the customer); once per `dedupe_key` if given."""
        with self.session() as session:
            require_ticket(session, ticket_id)
            note = Note(
                ticket_id=ticket_id,
                author=author,
                body=body,
                dedupe_key=dedupe_key,
                created_at=self._clock(),
            )
            return insert_ignore(session, note, ["dedupe_key"])
