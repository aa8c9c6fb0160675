"""The example bank: a person's saved correction changes the next routing, without a code change
or a restart; saved records of any reasonable shape are read; a broken source never breaks triage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from activities.ticket_models import TriageInput
from activities.triage import TriageActivities
from integrations.example_bank import ExampleBank, default_examples, saved_example
from integrations.example_bank_saved import SavedExampleFile
from integrations.triage_engine import ExampleTriage
from policies.loader import load_routing_policy
from policies.routing_policy import RouteDecision, RoutingFacts
from policies.ticket_routing import route_ticket
from policies.triage_schema import TriageResult

TICKET = "I want to return the blender in order ord_5012 and have it credited to my Visa."
SAME_WORDING_OTHER_ORDER = (
    "I want to return the blender in order #5977 and have it credited to my Visa."
)


@pytest.fixture(scope="module")
def builtin() -> list[Any]:
    return default_examples()


async def triage_via_activity(activities: TriageActivities, body: str) -> TriageResult:
    return await ActivityEnvironment().run(
        activities.triage_ticket, TriageInput(ticket_id="T-77", subject="", body=body)
    )


def route(result: TriageResult) -> RouteDecision:
    facts = RoutingFacts(customer_known=True, customer_tier="standard")
    return route_ticket(load_routing_policy().policy, result, facts)


async def test_saved_correction_changes_the_next_routing(
    tmp_path: Path, builtin: list[Any]
) -> None:
    saved = SavedExampleFile(tmp_path / "saved.jsonl")
    bank = ExampleBank(builtin, saved, refresh_seconds=0)
    activities = TriageActivities(embedded=ExampleTriage(bank))

    before = await triage_via_activity(activities, TICKET)
    assert before.intent != "refund_request"
    assert route(before).route != "start_process"

    # A reviewer corrects it; nothing else changes: same process, same activity object.
    saved.save("T-77", "", TICKET, "refund_request", saved_by="alice")

    after = await triage_via_activity(activities, TICKET)
    assert (after.intent, after.engine) == ("refund_request", "rules+examples")
    assert after.confidence >= 0.6  # enough for the supervised refund rollout to act
    decision = route(after)
    assert (decision.route, decision.process) == ("start_process", "refund")
    # The same wording about another order is routed the same way.
    again = await triage_via_activity(activities, SAME_WORDING_OTHER_ORDER)
    assert route(again).route == "start_process"
    assert len(bank.examples) == len(builtin) + 1


async def test_a_later_correction_replaces_the_earlier_one(
    tmp_path: Path, builtin: list[Any]
) -> None:
    saved = SavedExampleFile(tmp_path / "saved.jsonl")
    engine = ExampleTriage(ExampleBank(builtin, saved, refresh_seconds=0))
    saved.save("T-78", "", TICKET, "how_to", saved_by="bob")
    assert engine.triage("", TICKET).intent == "how_to"
    saved.save("T-78", "", TICKET, "refund_request", saved_by="alice")
    assert engine.triage("", TICKET).intent == "refund_request"
    assert len(saved.list_labelled_examples()) == 1


class CountingSource:
    def __init__(self, records: list[Any]) -> None:
        self.records = records
        self.reads = 0
        self.broken = False

    def list_labelled_examples(self) -> list[Any]:
        self.reads += 1
        if self.broken:
            raise ConnectionError("crm down")
        return self.records


def test_saved_examples_are_read_again_only_when_stale(builtin: list[Any]) -> None:
    now = [0.0]
    source = CountingSource([])
    bank = ExampleBank(builtin, source, refresh_seconds=30, clock=lambda: now[0])
    engine = ExampleTriage(bank)
    engine.triage("", TICKET)
    engine.triage("", TICKET)
    assert source.reads == 1
    source.records = [{"id": "x1", "subject": "", "body": TICKET, "intent": "refund_request"}]
    now[0] = 31.0
    assert engine.triage("", TICKET).intent == "refund_request"
    assert source.reads == 2


def test_an_unreadable_source_keeps_the_examples_last_read(builtin: list[Any]) -> None:
    source = CountingSource(
        [{"id": "x1", "subject": "", "text": TICKET, "label": "refund_request"}]
    )
    engine = ExampleTriage(ExampleBank(builtin, source, refresh_seconds=0))
    assert engine.triage("", TICKET).intent == "refund_request"
    source.broken = True
    result = engine.triage("", TICKET)
    assert result.intent == "refund_request" and source.reads >= 2


class CrmRow:
    """The shape a CRM table row might have: attribute access, its own field names."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


@pytest.mark.parametrize(
    ("record", "intent"),
    [
        (
            CrmRow(id=3, subject="Refund", body="money back", intent="refund_request"),
            "refund_request",
        ),
        (
            {"ticket_id": "T-1", "text": "where is it", "corrected_intent": "order_status"},
            "order_status",
        ),
        ({"id": "x", "body": "hello", "intent": "not_an_intent"}, None),
        ({"id": "y", "subject": " ", "body": "", "intent": "how_to"}, None),
    ],
)
def test_saved_records_of_either_shape_become_examples(record: Any, intent: str | None) -> None:
    example = saved_example(record)
    assert (example.intent if example else None) == intent
    if example is not None:
        assert example.source == "saved"
