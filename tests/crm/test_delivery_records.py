"""Case events are written with the change they announce, once; delivery rows are planned per
channel and the outbox mirrors them. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from integrations.crm_store import CrmStore
from integrations.crm_store.delivery_tables import CaseEvent
from tests.crm.conftest import count_rows
from tests.delivery.cases import open_ticket, queue_reply, request_approval, resolve


def kinds(store: CrmStore, ticket_id: str) -> list[str]:
    with store.session() as session:
        rows = session.exec(
            select(CaseEvent).where(CaseEvent.ticket_id == ticket_id).order_by(col(CaseEvent.id))
        ).all()
        return [row.kind for row in rows]


def test_each_change_writes_its_event_once(store: CrmStore) -> None:
    for _ in range(2):  # a retried activity repeats every write
        open_ticket(store, "T-ev")
        request_approval(store, "T-ev")
        queue_reply(store, "T-ev", 1)
        store.add_handoff_note("T-ev", "hof-1", "package")
        resolve(store, "T-ev")
    assert kinds(store, "T-ev") == [
        "case.started",
        "case.waiting_for_approval",
        "case.reply",
        "case.escalated",
        "case.reply",
        "case.resolved",
    ]
    assert count_rows(store, CaseEvent) == 6
    ticket = store.get_ticket("T-ev")
    assert ticket is not None and [n.body for n in ticket.notes] == ["package"]


def test_dispatch_marks_what_a_workflow_was_told(store: CrmStore) -> None:
    open_ticket(store, "T-a")
    open_ticket(store, "T-b")
    queue_reply(store, "T-a", 1)
    pending = store.tickets_with_undispatched_events()
    assert [ticket for ticket, _ in pending] == ["T-a", "T-b"]
    newest_a = dict(pending)["T-a"]
    store.mark_dispatched("T-a", newest_a)
    queue_reply(store, "T-a", 2)  # after the mark: still owed
    assert [ticket for ticket, _ in store.tickets_with_undispatched_events()] == ["T-b", "T-a"]


@pytest.mark.parametrize("helpdesks", [frozenset(), frozenset({"zendesk"})])
def test_channels_are_planned_once_and_the_outbox_follows_them(
    store: CrmStore, helpdesks: frozenset[str]
) -> None:
    store.register_callback("helpdesk", "https://hooks.example.com/cb")
    open_ticket(store, "zd-9", system="helpdesk", helpdesk="zendesk", external_id="9")
    resolve(store, "zd-9")
    planned = store.plan_deliveries("zd-9", helpdesks)
    assert planned == store.plan_deliveries("zd-9", helpdesks)  # planned once
    expected = [("case.started", "callback")]
    for kind in ("case.reply", "case.resolved"):
        expected += [(kind, "callback")] + ([(kind, "zendesk")] if helpdesks else [])
    assert [(p.kind, p.channel) for p in planned] == expected

    reply = [p for p in planned if p.kind == "case.reply"]
    store.record_delivery_attempt(reply[0].event_id, "callback", 1)
    store.record_delivery_sent(reply[0].event_id, "callback", "sf_evt_x")
    ticket = store.get_ticket("zd-9")
    assert ticket is not None
    assert ticket.outbox[0].status == ("queued" if helpdesks else "sent")
    if helpdesks:
        store.record_delivery_attempt(reply[0].event_id, "zendesk", 3, error="DeliveryTimeout")
        store.record_delivery_failed(reply[0].event_id, "zendesk", "DeliveryTimeout: zendesk")
        store.record_delivery_sent(reply[0].event_id, "zendesk", "late")  # failed is final
        ticket = store.get_ticket("zd-9")
        assert ticket is not None
        message = ticket.outbox[0]
        assert (message.status, message.attempts) == ("failed", 4)
        assert message.last_error == "DeliveryTimeout: zendesk" and message.failed_at
        assert store.delivery_counts().failed_replies == 1
