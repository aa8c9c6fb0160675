"""Labelled examples in the CRM: saved with the ticket's text and the person's labels, audited
with the person, read back newest first for triage's example bank."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations.crm_store import CrmStore, TicketNotFound
from integrations.labelled_examples import NewLabelledExample
from tests.crm.conftest import T0, FakeClock
from tests.report.test_outcome_reads import _seed


def _example(ticket_id: str, intent: str, saved_by: str = "bob") -> NewLabelledExample:
    return NewLabelledExample(
        ticket_id=ticket_id,
        intent=intent,
        route="escalate",
        reply="We are very sorry; a new kettle ships today.",
        saved_by=saved_by,
        channel="api",
    )


def test_save_list_and_audit(store: CrmStore, clock: FakeClock) -> None:
    _seed(store, clock)
    clock.now = T0 + timedelta(hours=3)
    first = store.save_labelled_example(_example("H1", "complaint"))
    clock.advance(timedelta(minutes=5))
    second = store.save_labelled_example(_example("R1", "refund_request", saved_by="alice"))

    assert first.subject == "" and second.subject == "Broken dripper"
    assert second.body == "It arrived cracked." and second.saved_at == T0 + timedelta(
        hours=3, minutes=5
    )
    assert [e.id for e in store.list_labelled_examples()] == [second.id, first.id]
    assert [e.ticket_id for e in store.list_labelled_examples(intent="complaint")] == ["H1"]
    assert store.list_labelled_examples(limit=1) == [second]
    assert store.list_labelled_examples(since=T0 + timedelta(hours=3, minutes=1)) == [second]

    ticket = store.get_ticket("R1")
    assert ticket is not None
    [saved] = [a for a in ticket.audit if a.action == "example_saved"]
    assert saved.actor == "alice" and "refund_request -> escalate (via api)" in saved.detail


def test_defaults_come_from_the_case(store: CrmStore, clock: FakeClock) -> None:
    _seed(store, clock)
    defaults = store.example_defaults("H1")
    assert (defaults.intent, defaults.route) == ("complaint", "escalate")
    assert defaults.reply == "We are very sorry about the kettle; a new one ships today."
    bare = store.example_defaults("R1")
    assert (bare.intent, bare.route, bare.reply) == (None, None, None)


def test_unknown_ticket_is_refused(store: CrmStore) -> None:
    with pytest.raises(TicketNotFound):
        store.save_labelled_example(_example("NOPE", "complaint"))
    with pytest.raises(TicketNotFound):
        store.example_defaults("NOPE")
    assert store.list_labelled_examples() == []
