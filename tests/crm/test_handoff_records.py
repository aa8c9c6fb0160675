"""The CRM's hand-off records on SQLite and PostgreSQL: one row per hand-off however often it is
written, the ticket's status with it, audit notes once, the edit distance computed from the
draft and the sent text, reopens counted, and the period a report reads."""

from __future__ import annotations

from datetime import timedelta

from integrations.crm_records import AuditEntry
from integrations.crm_store import CrmStore
from integrations.crm_store.handoff_table import Handoff
from integrations.handoff_records import HandoffRecord
from tests.crm.conftest import T0, count_rows


def record(handoff_id: str, **fields: object) -> HandoffRecord:
    values: dict[str, object] = {
        "handoff_id": handoff_id,
        "ticket_id": "T-1",
        "workflow_id": "ticket-T-1",
        "reason": "asked for a person",
        "urgency": "high",
        "state": "waiting",
        "opened_at": T0,
        "ticket_status": "escalated",
        "audit_key": f"ticket-T-1:handoff:{handoff_id}:opened",
    }
    values.update(fields)
    return HandoffRecord.model_validate(values)


def test_a_hand_off_is_one_row_whatever_the_retries(store: CrmStore) -> None:
    store.upsert_ticket(ticket_id="T-1", customer_id="cus_1", process="ticket")
    note = AuditEntry(actor="alice", action="handoff_claim", detail="via api", at=T0)
    opened = record("h1", audit=[note])
    store.record_handoff(opened)
    store.record_handoff(opened)  # an activity retry
    assert count_rows(store, Handoff) == 1
    ticket = store.get_ticket("T-1")
    assert ticket is not None and ticket.status == "escalated"
    assert [e.action for e in ticket.audit] == ["handoff_claim"]

    resolved = record(
        "h1",
        state="resolved",
        claimed_by="alice",
        claimed_at=T0 + timedelta(minutes=5),
        resolved_by="alice",
        resolved_at=T0 + timedelta(minutes=9),
        ending="edited",
        draft_text="Your refund is on its way.",
        sent_text="Your refund is on the way!",
        ticket_status="resolved",
        ticket_resolution="Resolved by alice: edited",
        audit_key="ticket-T-1:handoff:h1:edit_send:1",
    )
    store.record_handoff(resolved)
    [row] = store.list_handoffs("T-1")
    assert (row.state, row.ending, row.claimed_by) == ("resolved", "edited", "alice")
    assert row.edit_distance == round(4 / 26, 4)
    ticket = store.get_ticket("T-1")
    assert ticket is not None and ticket.status == "resolved"
    assert ticket.resolution == "Resolved by alice: edited"


def test_reopens_and_periods(store: CrmStore) -> None:
    store.upsert_ticket(ticket_id="T-1", customer_id="cus_1", process="ticket")
    store.record_handoff(record("h1"))
    store.record_handoff(
        record("h2", reopened=True, opened_at=T0 + timedelta(days=2), audit_key="k2")
    )
    assert store.reopen_count("T-1") == 1
    assert store.reopen_count("T-unknown") == 0
    assert [h.handoff_id for h in store.handoffs_opened(T0, T0 + timedelta(days=1))] == ["h1"]
    both = store.handoffs_opened(T0 - timedelta(days=1), T0 + timedelta(days=3))
    assert [h.handoff_id for h in both] == ["h1", "h2"]
