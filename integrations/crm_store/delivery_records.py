"""CrmStore's delivery records: which events each ticket still owes which channel, and what
happened on each attempt. One transaction per method; every write is keyed, so retries are safe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from integrations.crm_store import case_events
from integrations.crm_store.delivery_tables import (
    CallbackEndpoint,
    CaseEvent,
    EventDelivery,
    TicketSource,
)
from integrations.crm_store.tables import Note, OutboxMessage, Ticket
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.writes import insert_ignore, require_ticket
from integrations.delivery_models import (
    CallbackEndpointView,
    DeliveryState,
    OutboundEvent,
    ReplyContent,
    TicketSourceView,
)

# What a helpdesk ticket hears about: the reply, hand-offs and status; it started there.
HELPDESK_KINDS = frozenset(
    {
        case_events.REPLY,
        case_events.WAITING_FOR_APPROVAL,
        case_events.ESCALATED,
        case_events.RESOLVED,
        case_events.CLOSED,
    }
)
NO_CHANNEL = "no delivery channel: the filing system registered no callback URL and the ticket "
NO_CHANNEL += "did not come from a helpdesk"


class DeliveryRecords(CrmTransactions):
    def add_handoff_note(self, ticket_id: str, handoff_id: str, package: str) -> bool:
        """The hand-off package as an internal note, with its `case.escalated` event."""
        now = self._clock()
        with self.session() as session:
            require_ticket(session, ticket_id)
            note = Note(
                ticket_id=ticket_id,
                author="supportflow",
                body=package,
                dedupe_key=f"handoff:{handoff_id}",
                created_at=now,
            )
            added = insert_ignore(session, note, ["dedupe_key"])
            case_events.add_case_event(
                session,
                ticket_id,
                case_events.ESCALATED,
                f"handoff:{handoff_id}",
                now,
                {"handoff_id": handoff_id, "package": package},
            )
            return added

    def tickets_with_undispatched_events(self, limit: int = 100) -> list[tuple[str, int]]:
        """(ticket id, newest undispatched event id) for tickets with events no delivery
        workflow was told about yet, oldest first."""
        with self.session() as session:
            rows = session.exec(
                select(CaseEvent.ticket_id, func.max(CaseEvent.id))
                .where(col(CaseEvent.dispatched_at).is_(None))
                .group_by(col(CaseEvent.ticket_id))
                .order_by(func.min(CaseEvent.id))
                .limit(limit)
            ).all()
            return [(ticket_id, int(newest or 0)) for ticket_id, newest in rows]

    def mark_dispatched(self, ticket_id: str, up_to_event_id: int) -> None:
        with self.session() as session:
            session.exec(
                update(CaseEvent)
                .where(
                    col(CaseEvent.ticket_id) == ticket_id,
                    col(CaseEvent.id) <= up_to_event_id,
                    col(CaseEvent.dispatched_at).is_(None),
                )
                .values(dispatched_at=self._clock())
            )

    def plan_deliveries(self, ticket_id: str, helpdesks: frozenset[str]) -> list[DeliveryState]:
        """The ticket's deliveries still queued, in event order: a delivery row per channel is
        planned the first time an event is read (callback if the filing system registered one,
        the helpdesk the ticket came from), and a reply with no channel fails at once."""
        now = self._clock()
        with self.session() as session:
            source = session.get(TicketSource, ticket_id)
            endpoint = (
                session.get(CallbackEndpoint, source.system) if source and source.system else None
            )
            unplanned = session.exec(
                select(CaseEvent)
                .where(CaseEvent.ticket_id == ticket_id)
                .where(~col(CaseEvent.id).in_(select(EventDelivery.event_id)))
                .order_by(col(CaseEvent.id))
            ).all()
            for event in unplanned:
                channels = _channels(event, source, endpoint is not None, helpdesks)
                if not channels:  # nobody to tell: planned as skipped, never reconsidered
                    insert_ignore(session, _skipped(event, ticket_id, now), ["event_id", "channel"])
                for channel in channels:
                    failed = channel == "none"
                    row = EventDelivery(
                        event_id=event.id or 0,
                        ticket_id=ticket_id,
                        channel=channel,
                        status="failed" if failed else "queued",
                        last_error=NO_CHANNEL if failed else None,
                        created_at=now,
                        updated_at=now,
                    )
                    insert_ignore(session, row, ["event_id", "channel"])
                    if failed and event.outbox_id is not None:
                        _update_outbox(session, event.outbox_id, now)
            return _states(session, ticket_id, only_queued=True)

    def deliveries(self, ticket_id: str) -> list[DeliveryState]:
        with self.session() as session:
            return _states(session, ticket_id, only_queued=False)

    def outbound_event(self, event_id: int) -> OutboundEvent:
        with self.session() as session:
            event = session.get(CaseEvent, event_id)
            if event is None:
                raise LookupError(f"no case event {event_id}")
            source = session.get(TicketSource, event.ticket_id)
            endpoint = (
                session.get(CallbackEndpoint, source.system) if source and source.system else None
            )
            message = session.get(OutboxMessage, event.outbox_id) if event.outbox_id else None
            ticket = session.get(Ticket, event.ticket_id)
            return OutboundEvent(
                event_id=event_id,
                ticket_id=event.ticket_id,
                kind=event.kind,
                created_at=event.created_at,
                data=event.data,
                reply=None
                if message is None or message.id is None
                else ReplyContent(
                    outbox_id=message.id,
                    recipient=message.recipient,
                    subject=message.subject,
                    body=message.body,
                    citations=message.citations,
                ),
                source=None
                if source is None
                else TicketSourceView.model_validate(source.model_dump()),
                callback=None
                if endpoint is None
                else CallbackEndpointView.model_validate(endpoint.model_dump()),
                ticket_status=ticket.status if ticket else None,
            )

    def record_delivery_attempt(
        self, event_id: int, channel: str, attempt: int, error: str | None = None
    ) -> DeliveryState:
        """Count an attempt (Temporal's attempt number, so a replayed count never grows) and,
        when it failed, why; returns the row so a retry sees a delivery already recorded."""
        return self._set(event_id, channel, attempts=attempt, last_error=error)

    def record_delivery_sent(
        self, event_id: int, channel: str, provider_message_id: str | None
    ) -> DeliveryState:
        return self._set(event_id, channel, status="sent", provider_message_id=provider_message_id)

    def record_delivery_failed(self, event_id: int, channel: str, error: str) -> DeliveryState:
        return self._set(event_id, channel, status="failed", last_error=error)

    def _set(self, event_id: int, channel: str, **values: object) -> DeliveryState:
        now = self._clock()
        with self.session() as session:
            row = session.exec(
                select(EventDelivery).where(
                    EventDelivery.event_id == event_id, EventDelivery.channel == channel
                )
            ).one()
            if row.status == "queued":  # sent and failed are final
                for name, value in values.items():
                    if name == "attempts":
                        row.attempts = max(row.attempts, int(str(value)))
                    else:
                        setattr(row, name, value)
                row.updated_at = now
                session.add(row)
                session.flush()
                event = session.get(CaseEvent, event_id)
                if event is not None and event.outbox_id is not None:
                    _update_outbox(session, event.outbox_id, now)
            return _state(session, row)


def _channels(
    event: CaseEvent,
    source: TicketSource | None,
    has_callback: bool,
    helpdesks: frozenset[str],
) -> list[str]:
    channels = []
    if has_callback:
        channels.append("callback")
    if (
        source is not None
        and source.helpdesk in helpdesks
        and source.external_id
        and event.kind in HELPDESK_KINDS
    ):
        channels.append(source.helpdesk or "")
    if not channels and event.kind == case_events.REPLY:
        channels.append("none")
    return channels


def _skipped(event: CaseEvent, ticket_id: str, now: datetime) -> EventDelivery:
    return EventDelivery(
        event_id=event.id or 0,
        ticket_id=ticket_id,
        channel="none",
        status="skipped",
        created_at=now,
        updated_at=now,
    )


def _update_outbox(session: Session, outbox_id: int, now: datetime) -> None:
    """The outbox row mirrors its reply's deliveries: sent once every channel took it, failed
    as soon as one gave up, with the attempts over all channels and the last error."""
    event = session.exec(select(CaseEvent).where(CaseEvent.outbox_id == outbox_id)).first()
    message = session.get(OutboxMessage, outbox_id)
    if event is None or message is None:
        return
    rows = session.exec(select(EventDelivery).where(EventDelivery.event_id == event.id)).all()
    message.attempts = sum(r.attempts for r in rows)
    sent = [r for r in rows if r.status == "sent"]
    if sent:
        message.provider_message_id = sent[-1].provider_message_id
    errors = [r.last_error for r in rows if r.last_error]
    message.last_error = errors[-1] if errors else None
    if any(r.status == "failed" for r in rows):
        message.status, message.failed_at = "failed", message.failed_at or now
    elif rows and len(sent) == len(rows):
        message.status, message.sent_at = "sent", message.sent_at or now
    session.add(message)


def _states(session: Session, ticket_id: str, *, only_queued: bool) -> list[DeliveryState]:
    query = (
        select(EventDelivery)
        .where(EventDelivery.ticket_id == ticket_id)
        .order_by(col(EventDelivery.event_id), col(EventDelivery.id))
    )
    if only_queued:
        query = query.where(EventDelivery.status == "queued")
    return [_state(session, row) for row in session.exec(query).all()]


def _state(session: Session, row: EventDelivery) -> DeliveryState:
    event = session.get(CaseEvent, row.event_id)
    return DeliveryState(
        event_id=row.event_id,
        ticket_id=row.ticket_id,
        channel=row.channel,
        kind=event.kind if event else "",
        status=row.status,
        attempts=row.attempts,
        provider_message_id=row.provider_message_id,
        last_error=row.last_error,
    )
