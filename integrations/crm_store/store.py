"""CrmStore: the embedded CRM and order store behind the CRM and commerce activities.

Activities are retried by Temporal, so every write an activity makes is idempotent: rows carry a
natural or derived unique key (ticket id, approval request id, Stripe refund id, audit dedupe key)
and are inserted with `ON CONFLICT DO NOTHING`, which both SQLite and PostgreSQL support. A retry
after a crash therefore finds the first attempt's rows instead of writing them twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from activities.models import (
    ApprovalDecisionRecord,
    ApprovalRequestRecord,
    AuditEntry,
    CaseOutcomeRecord,
    RefundSummary,
)
from integrations.crm_store.engine import create_crm_engine, normalize_database_url, sqlite_file
from integrations.crm_store.migrate import upgrade_to_head
from integrations.crm_store.tables import (
    Approval,
    ApprovalDecisionRow,
    AuditEvent,
    CrmTable,
    Customer,
    Note,
    Order,
    OrderLine,
    OutboxMessage,
    Payment,
    Refund,
    Ticket,
)
from integrations.crm_store.views import (
    ApprovalDecisionView,
    ApprovalView,
    AuditEventView,
    CustomerView,
    NewOrder,
    NoteView,
    OutboxMessageView,
    RefundView,
    TicketView,
)

Clock = Callable[[], datetime]

# Once a case reached one of these, late writes (a retried approval record) must not reopen it.
TERMINAL_STATUSES = frozenset({"resolved", "denied", "rejected", "escalated", "expired"})


def utc_now() -> datetime:
    return datetime.now(UTC)


class TicketNotFound(LookupError):
    """A case record was written for a ticket that open_case never recorded."""


class ApprovalNotFound(LookupError):
    """A decision or message reference names an approval request the CRM does not know."""


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
            return _insert_ignore(session, row, ["id"])

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
            created = _insert_ignore(
                session,
                Order(
                    id=order.order_id,
                    customer_id=order.customer_id,
                    placed_at=order.placed_at,
                    currency=order.currency,
                    total_cents=order.total_cents,
                    status=order.status,
                ),
                ["id"],
            )
            for line in order.lines:
                row = OrderLine(order_id=order.order_id, **line.model_dump())
                _insert_ignore(session, row, ["order_id", "sku"])
            if order.payment is not None:
                payment = Payment(
                    order_id=order.order_id,
                    created_at=order.placed_at,
                    **order.payment.model_dump(),
                )
                _insert_ignore(session, payment, ["charge_id"])
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
            if not _insert_ignore(session, ticket, ["id"]) and workflow_id is not None:
                session.exec(
                    update(Ticket)
                    .where(col(Ticket.id) == ticket_id, col(Ticket.workflow_id).is_(None))
                    .values(workflow_id=workflow_id, updated_at=now)
                )
        view = self.get_ticket(ticket_id)
        assert view is not None
        return view

    def get_ticket(self, ticket_id: str) -> TicketView | None:
        """The ticket with its audit trail, replies, approvals, refunds and notes."""
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                return None
            audit = session.exec(
                select(AuditEvent)
                .where(AuditEvent.ticket_id == ticket_id)
                .order_by(col(AuditEvent.at), col(AuditEvent.id))
            ).all()
            notes = session.exec(
                select(Note).where(Note.ticket_id == ticket_id).order_by(col(Note.id))
            ).all()
            approvals = session.exec(
                select(Approval).where(Approval.ticket_id == ticket_id).order_by(col(Approval.id))
            ).all()
            return TicketView(
                **ticket.model_dump(),
                audit=[AuditEventView.model_validate(e, from_attributes=True) for e in audit],
                outbox=self._outbox(session, ticket_id),
                approvals=[_approval_view(session, a) for a in approvals],
                refunds=self._refunds(session, ticket_id),
                notes=[NoteView.model_validate(n, from_attributes=True) for n in notes],
            )

    def add_note(
        self, ticket_id: str, author: str, body: str, dedupe_key: str | None = None
    ) -> bool:
        with self.session() as session:
            _require_ticket(session, ticket_id)
            row = Note(
                ticket_id=ticket_id,
                author=author,
                body=body,
                dedupe_key=dedupe_key,
                created_at=self._clock(),
            )
            return _insert_ignore(session, row, ["dedupe_key"])

    # -- approvals ------------------------------------------------------------------------

    def record_approval_request(self, record: ApprovalRequestRecord) -> None:
        """Record that a case waits for approval. A new request voids the ticket's older pending
        ones: approvals are bound to one exact action, and the action just changed."""
        now = self._clock()
        with self.session() as session:
            _require_ticket(session, record.ticket_id)
            approval = Approval(
                ticket_id=record.ticket_id,
                workflow_id=record.workflow_id,
                request_id=record.request_id,
                level=record.level,
                amount_cents=record.amount_cents,
                currency=record.currency,
                required_approvals=record.required_approvals,
                approvers=record.approvers,
                requested_by=record.requested_by,
                rule=record.rule,
                reason=record.reason,
                policy_version=record.policy_version,
                expires_at=record.expires_at,
                created_at=now,
            )
            _insert_ignore(session, approval, ["request_id"])
            session.exec(
                update(Approval)
                .where(
                    col(Approval.ticket_id) == record.ticket_id,
                    col(Approval.status) == "pending",
                    col(Approval.request_id) != record.request_id,
                )
                .values(status="expired", decided_at=now)
            )
            _add_audit(
                session,
                record.ticket_id,
                record.workflow_id,
                record.audit,
                record.policy_version,
                f"approval:{record.request_id}:requested",
            )
            _advance_ticket(session, record.ticket_id, "awaiting_approval", now)

    def set_approval_message(self, request_id: str, channel: str, ts: str) -> None:
        """Remember where the Slack message for this request lives so it can be updated."""
        with self.session() as session:
            approval = _require_approval(session, request_id)
            approval.slack_channel = channel
            approval.slack_ts = ts
            session.add(approval)

    def record_approval_decision(self, record: ApprovalDecisionRecord) -> None:
        """Record one approver's decision (once per approver) and the request's resulting status."""
        with self.session() as session:
            approval = _require_approval(session, record.request_id)
            decision = ApprovalDecisionRow(
                request_id=record.request_id,
                approver=record.approver,
                decision=record.decision,
                reason=record.reason,
                channel=record.channel,
                at=record.at,
            )
            _insert_ignore(session, decision, ["request_id", "approver"])
            if approval.status == "pending" and record.final_status != "pending":
                approval.status = record.final_status
                approval.decided_at = record.at
                session.add(approval)
            entry = AuditEntry(
                actor=record.approver,
                action=_decision_action(record),
                detail=_decision_detail(record, approval),
                at=record.at,
            )
            _add_audit(
                session,
                record.ticket_id,
                record.workflow_id,
                [entry],
                approval.policy_version,
                f"approval:{record.request_id}:decision:{record.approver}",
            )
            next_status = {"approved": "refunding", "rejected": "rejected", "expired": "expired"}
            if record.final_status in next_status:
                _advance_ticket(
                    session, record.ticket_id, next_status[record.final_status], record.at
                )

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
        so attempts leave a trace even though the case did not change."""
        entry = AuditEntry(
            actor=actor,
            action="approval_refused",
            detail=f"{reason_code}: {message} (request {request_id or '-'}, via {channel})",
            at=self._clock(),
        )
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            workflow_id = ticket.workflow_id if ticket is not None else None
            policy_version = ticket.policy_version if ticket is not None else None
            if dedupe_key is None:
                session.add(_audit_row(ticket_id, workflow_id, entry, policy_version, None))
            else:
                _add_audit(session, ticket_id, workflow_id, [entry], policy_version, dedupe_key)

    def get_approval(self, request_id: str) -> ApprovalView | None:
        with self.session() as session:
            row = session.exec(select(Approval).where(Approval.request_id == request_id)).first()
            return None if row is None else _approval_view(session, row)

    def pending_approval_for_ticket(self, ticket_id: str) -> ApprovalView | None:
        """The request an approver acting on this ticket decides on: the newest pending one."""
        with self.session() as session:
            row = session.exec(
                select(Approval)
                .where(Approval.ticket_id == ticket_id, Approval.status == "pending")
                .order_by(col(Approval.created_at).desc(), col(Approval.id).desc())
            ).first()
            return None if row is None else _approval_view(session, row)

    # -- outcomes, refunds, replies, audit ------------------------------------------------

    def record_case_outcome(self, record: CaseOutcomeRecord) -> None:
        """Close a case in one transaction: ticket status and resolution, the refund row, the
        audit trail and the queued customer reply. Repeating it for the same workflow id (an
        activity retry) writes nothing new."""
        now = self._clock()
        with self.session() as session:
            ticket = _require_ticket(session, record.ticket_id)
            ticket.status = record.status
            ticket.resolution = record.resolution
            ticket.policy_version = record.policy_version or ticket.policy_version
            ticket.updated_at = now
            session.add(ticket)
            if record.refund is not None:
                refund = Refund(
                    refund_id=record.refund.refund_id,
                    ticket_id=record.ticket_id,
                    workflow_id=record.workflow_id,
                    customer_id=record.customer_id,
                    order_id=record.order_id,
                    charge_id=record.refund.charge_id,
                    amount_cents=record.refund.amount_cents,
                    currency=record.refund.currency,
                    status=record.refund.status,
                    created_at=now,
                )
                _insert_ignore(session, refund, ["refund_id"])
            _add_audit(
                session,
                record.ticket_id,
                record.workflow_id,
                record.audit,
                record.policy_version,
                f"outcome:{record.workflow_id}",
            )
            if record.reply is not None:
                customer = session.get(Customer, ticket.customer_id)
                reply = OutboxMessage(
                    ticket_id=record.ticket_id,
                    recipient=customer.email if customer is not None else None,
                    subject=record.reply.subject,
                    body=record.reply.body,
                    citations=record.reply.citations,
                    dedupe_key=f"reply:{record.workflow_id}",
                    created_at=now,
                )
                _insert_ignore(session, reply, ["dedupe_key"])
            if record.status in TERMINAL_STATUSES:
                # A request still pending when its case closed can no longer be acted on.
                session.exec(
                    update(Approval)
                    .where(
                        col(Approval.workflow_id) == record.workflow_id,
                        col(Approval.status) == "pending",
                    )
                    .values(status="expired", decided_at=now)
                )

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
            return _add_audit(session, ticket_id, workflow_id, entries, policy_version, dedupe_key)

    def recent_refunds(self, customer_id: str, since: datetime) -> list[RefundSummary]:
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
            return self._refunds(session, ticket_id)

    def list_outbox(self, ticket_id: str) -> list[OutboxMessageView]:
        with self.session() as session:
            return self._outbox(session, ticket_id)

    @staticmethod
    def _refunds(session: Session, ticket_id: str) -> list[RefundView]:
        rows = session.exec(
            select(Refund).where(Refund.ticket_id == ticket_id).order_by(col(Refund.id))
        ).all()
        return [RefundView.model_validate(r, from_attributes=True) for r in rows]

    @staticmethod
    def _outbox(session: Session, ticket_id: str) -> list[OutboxMessageView]:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.ticket_id == ticket_id)
            .order_by(col(OutboxMessage.id))
        ).all()
        return [OutboxMessageView.model_validate(r, from_attributes=True) for r in rows]


def _insert_ignore(session: Session, row: CrmTable, conflict_columns: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING for `row`; True if a row was inserted.

    Built from the model instance so its Python-side defaults apply (Core inserts skip them).
    Whether it inserted is read from RETURNING: drivers do not agree on rowcount here.
    """
    values = row.model_dump()
    if values.get("id") is None:
        values.pop("id", None)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(type(row))
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(inspect(type(row)).primary_key[0])
    )
    return session.exec(statement).first() is not None


def _audit_row(
    ticket_id: str,
    workflow_id: str | None,
    entry: AuditEntry,
    policy_version: str | None,
    dedupe_key: str | None,
) -> AuditEvent:
    return AuditEvent(
        ticket_id=ticket_id,
        workflow_id=workflow_id,
        actor=entry.actor,
        action=entry.action,
        detail=entry.detail,
        policy_version=policy_version,
        at=entry.at,
        dedupe_key=dedupe_key,
    )


def _add_audit(
    session: Session,
    ticket_id: str,
    workflow_id: str | None,
    entries: Sequence[AuditEntry],
    policy_version: str | None,
    dedupe_key: str,
) -> int:
    # Entry i of a batch is keyed by its position: a retried batch is the same list.
    rows = (
        _audit_row(ticket_id, workflow_id, entry, policy_version, f"{dedupe_key}:{i}")
        for i, entry in enumerate(entries)
    )
    return sum(_insert_ignore(session, row, ["dedupe_key"]) for row in rows)


def _require_ticket(session: Session, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise TicketNotFound(f"ticket {ticket_id} is not in the CRM")
    return ticket


def _require_approval(session: Session, request_id: str) -> Approval:
    approval = session.exec(select(Approval).where(Approval.request_id == request_id)).first()
    if approval is None:
        raise ApprovalNotFound(f"approval request {request_id} is not in the CRM")
    return approval


def _advance_ticket(session: Session, ticket_id: str, status: str, at: datetime) -> None:
    session.exec(
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.status).not_in(TERMINAL_STATUSES))
        .values(status=status, updated_at=at)
    )


def _approval_view(session: Session, approval: Approval) -> ApprovalView:
    decisions = session.exec(
        select(ApprovalDecisionRow)
        .where(ApprovalDecisionRow.request_id == approval.request_id)
        .order_by(col(ApprovalDecisionRow.at), col(ApprovalDecisionRow.id))
    ).all()
    return ApprovalView(
        **approval.model_dump(exclude={"id"}),
        decisions=[ApprovalDecisionView.model_validate(d, from_attributes=True) for d in decisions],
    )


def _decision_action(record: ApprovalDecisionRecord) -> str:
    if record.final_status == "expired":
        return "approval_expired"
    return "approval_approved" if record.decision == "approve" else "approval_rejected"


def _decision_detail(record: ApprovalDecisionRecord, approval: Approval) -> str:
    verb = "approved" if record.decision == "approve" else "rejected"
    detail = (
        f"{verb} {approval.level} request {record.request_id} for "
        f"{approval.amount_cents} {approval.currency} via {record.channel}; "
        f"request is now {record.final_status}"
    )
    return f"{detail}. Reason: {record.reason}" if record.reason else detail
