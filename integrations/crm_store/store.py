"""CrmStore: the embedded CRM and order store behind the CRM and commerce activities.

One method is one transaction. Every write an activity makes is idempotent (see `writes`), so
Temporal can retry any of them; the operations themselves live in `approvals` and `cases`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select, update

from integrations.crm_records import (
    ApprovalClickRecord,
    ApprovalDecisionRecord,
    ApprovalRequestRecord,
    AuditEntry,
    CaseOutcomeRecord,
    CustomerReply,
    RefundSummary,
)
from integrations.crm_store import approvals, cases, holds, keys
from integrations.crm_store.engine import create_crm_engine, normalize_database_url, sqlite_file
from integrations.crm_store.holds import HoldResult
from integrations.crm_store.migrate import upgrade_to_head
from integrations.crm_store.tables import (
    Customer,
    Note,
    Order,
    OrderLine,
    OrderMoneyHold,
    OutboxMessage,
    Payment,
    Refund,
    Ticket,
)
from integrations.crm_store.views import (
    ApprovalView,
    CustomerView,
    NewOrder,
    OutboxMessageView,
    RefundView,
    TicketView,
)
from integrations.crm_store.writes import add_audit, audit_row, insert_ignore, require_ticket

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CrmStore:
    """The CRM tables behind one SQLAlchemy engine (SQLite file or PostgreSQL).

    `clock` stamps rows whose time is not part of the input (creation times); tests and demo
    seeding pass their own to place refunds and tickets in the past.
    """

    def __init__(self, database_url: str, *, clock: Clock = utc_now, echo: bool = False) -> None:
        self.url = normalize_database_url(database_url)
        self.engine = create_crm_engine(database_url, echo=echo)
        self._clock = clock

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to call from every process at start."""
        path = sqlite_file(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        upgrade_to_head(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # -- customers and orders -------------------------------------------------------------

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
            if not insert_ignore(session, ticket, ["id"]) and workflow_id is not None:
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

    # -- approvals ------------------------------------------------------------------------

    def record_approval_request(self, record: ApprovalRequestRecord) -> None:
        with self.session() as session:
            approvals.record_request(session, record, self._clock())

    def set_approval_message(self, request_id: str, channel: str, ts: str) -> None:
        """Remember where the Slack message for this request lives so it can be updated."""
        with self.session() as session:
            approval = approvals.require(session, request_id)
            approval.slack_channel = channel
            approval.slack_ts = ts
            session.add(approval)

    def record_approval_decision(self, record: ApprovalDecisionRecord) -> None:
        with self.session() as session:
            approvals.record_decision(session, record)

    def record_refused_approval(
        self,
        ticket_id: str,
        actor: str,
        channel: str,
        request_id: str | None,
        reason_code: str,
        message: str,
        dedupe_key: str | None = None,
    ) -> None:
        """Audit a decision the workflow refused (unauthorized, self-approval, stale, duplicate),
        so attempts leave a trace even though the case did not change. Without a `dedupe_key`
        every call is a new event: each click is one."""
        entry = AuditEntry(
            actor=actor,
            action="approval_refused",
            detail=f"{reason_code}: {message} (request {request_id or '-'}, via {channel})",
            at=self._clock(),
        )
        self._audit_ticket_event(ticket_id, entry, dedupe_key)

    def record_approval_click(self, click: ApprovalClickRecord) -> None:
        """Audit one Slack click, accepted or refused: who (Slack user and approver identity),
        when, on which request, and what became of it."""
        detail = (
            f"Slack user {click.slack_user_id} clicked {click.action} on request "
            f"{click.request_id}: {click.outcome}"
            + (f" ({click.code})" if click.code else "")
            + (f" - {click.detail}" if click.detail else "")
        )
        entry = AuditEntry(
            actor=click.approver or f"slack:{click.slack_user_id}",
            action=f"slack_click_{click.outcome}",
            detail=detail,
            at=click.at,
        )
        self._audit_ticket_event(click.ticket_id, entry, None)

    def _audit_ticket_event(
        self, ticket_id: str, entry: AuditEntry, dedupe_key: str | None
    ) -> None:
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            workflow_id = ticket.workflow_id if ticket is not None else None
            policy_version = ticket.policy_version if ticket is not None else None
            if dedupe_key is None:
                session.add(audit_row(ticket_id, workflow_id, entry, policy_version, None))
            else:
                add_audit(session, ticket_id, workflow_id, [entry], policy_version, dedupe_key)

    def get_approval(self, request_id: str) -> ApprovalView | None:
        with self.session() as session:
            try:
                return approvals.view(session, approvals.require(session, request_id))
            except approvals.ApprovalNotFound:
                return None

    def pending_approval_for_ticket(self, ticket_id: str) -> ApprovalView | None:
        """The request an approver acting on this ticket decides on: the newest pending one."""
        with self.session() as session:
            row = approvals.pending_for_ticket(session, ticket_id)
            return None if row is None else approvals.view(session, row)

    # -- API keys -------------------------------------------------------------------------

    def create_api_key(
        self,
        name: str,
        kind: keys.KeyKind,
        *,
        person_id: str | None = None,
        slack_user_id: str | None = None,
        scopes: list[str] | None = None,
        created_by: str = "cli",
    ) -> keys.IssuedKey:
        """Issue a key; its plaintext is in the result and nowhere else (raises ApiKeyRefused)."""
        with self.session() as session:
            return keys.create_key(
                session,
                name=name,
                kind=kind,
                now=self._clock(),
                person_id=person_id,
                slack_user_id=slack_user_id,
                scopes=scopes,
                created_by=created_by,
            )

    def list_api_keys(self) -> list[keys.ApiKeyView]:
        with self.session() as session:
            return keys.list_keys(session)

    def revoke_api_key(self, name_or_key_id: str) -> keys.ApiKeyView:
        with self.session() as session:
            return keys.revoke_key(session, name_or_key_id, self._clock())

    def verify_api_key(self, presented: str) -> keys.VerifiedKey | None:
        """The owner of an active key, or None (malformed, unknown or revoked)."""
        with self.session() as session:
            return keys.verify_key(session, presented, self._clock())

    def has_active_api_keys(self) -> bool:
        with self.session() as session:
            return keys.has_active_keys(session)

    def person_for_slack_user(self, slack_user_id: str) -> str | None:
        """The canonical person id a Slack user was registered to with a person key."""
        with self.session() as session:
            return keys.person_for_slack_user(session, slack_user_id)

    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None:
        """Audit a state change made over the API or CLI: who (principal and credential) did
        what. Written as its own event (no dedupe key): each call is one request."""
        entry = AuditEntry(actor=actor[:64], action=action, detail=detail, at=self._clock())
        self._audit_ticket_event(ticket_id, entry, None)

    # -- outcomes, refunds, replies, audit ------------------------------------------------

    def record_case_outcome(self, record: CaseOutcomeRecord) -> None:
        """Close a case in one transaction: ticket status and resolution, the refund row, the
        audit trail and the queued customer reply. Repeating it for the same workflow id (an
        activity retry) writes nothing new."""
        with self.session() as session:
            cases.record_outcome(session, record, self._clock())

    def record_audit(
        self,
        ticket_id: str,
        workflow_id: str | None,
        entries: Sequence[AuditEntry],
        policy_version: str | None,
        dedupe_key: str,
    ) -> int:
        """Append audit entries once per `dedupe_key`; returns how many were new."""
        with self.session() as session:
            return add_audit(session, ticket_id, workflow_id, entries, policy_version, dedupe_key)

    def recent_refunds(self, customer_id: str, since: datetime) -> list[RefundSummary]:
        """The customer's refunds recorded at or after `since` (must be timezone-aware)."""
        with self.session() as session:
            rows = session.exec(
                select(Refund)
                .where(Refund.customer_id == customer_id, Refund.created_at >= since)
                .order_by(col(Refund.created_at))
            ).all()
            return [
                RefundSummary(
                    ticket_id=r.ticket_id,
                    order_id=r.order_id or "",
                    amount_cents=r.amount_cents,
                    currency=r.currency,
                    created_at=r.created_at,
                )
                for r in rows
            ]

    def list_refunds(self, ticket_id: str) -> list[RefundView]:
        with self.session() as session:
            return cases.refunds(session, ticket_id)

    def queue_customer_message(self, ticket_id: str, reply: CustomerReply, dedupe_key: str) -> bool:
        """Queue a reply to the customer while the case stays open (a clarifying question, an
        answer, a hand-off notice) once per `dedupe_key`; False when it was already queued."""
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            customer = session.get(Customer, ticket.customer_id) if ticket else None
            message = OutboxMessage(
                ticket_id=ticket_id,
                recipient=customer.email if customer else None,
                subject=reply.subject,
                body=reply.body,
                citations=reply.citations,
                dedupe_key=dedupe_key,
                created_at=self._clock(),
            )
            return insert_ignore(session, message, ["dedupe_key"])

    def list_outbox(self, ticket_id: str) -> list[OutboxMessageView]:
        with self.session() as session:
            return cases.outbox(session, ticket_id)

    # -- money holds: one money case per order at a time ----------------------------------

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
