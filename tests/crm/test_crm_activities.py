"""CRM activities in an activity context: what they write, and which errors Temporal retries."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.crm import CrmActivities
from activities.models import (
    ApprovalMessageRecord,
    ApprovalMessageRef,
    AuditBatch,
    AuditEntry,
    OpenCaseInput,
)
from integrations.crm_store import CrmStore
from integrations.crm_store.tables import AuditEvent, Ticket
from tests.crm.conftest import T0, FakeClock, count_rows
from tests.crm.factories import (
    MAYA,
    add_customer_and_order,
    approval_request,
    decision,
    open_ticket,
    outcome,
)


def _open_case(ticket_id: str, customer_id: str = MAYA.id) -> OpenCaseInput:
    return OpenCaseInput(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        process="refund",
        customer_id=customer_id,
        order_id="ord_1",
        subject="Broken dripper",
        body="It arrived cracked.",
        requested_by="customer",
        refund_count_window_days=90,
        channel="email",
    )


def test_open_case_unknown_customer_is_non_retryable_but_recorded(store: CrmStore) -> None:
    activities = CrmActivities(store)

    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(activities.open_case, _open_case("T-1", "cus_nobody"))

    assert raised.value.type == "CustomerNotFound"
    assert raised.value.non_retryable
    assert "cus_nobody" in raised.value.message
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    assert (ticket.customer_id, ticket.channel, ticket.workflow_id) == (
        "cus_nobody",
        "email",
        "ticket-T-1",
    )


def test_open_case_counts_refunds_in_the_window(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=200))
    for ticket_id, age_days in (("T-old", 120), ("T-a", 60), ("T-b", 5)):
        clock.now = T0 - timedelta(days=age_days)
        open_ticket(store, ticket_id)
        store.record_case_outcome(outcome(ticket_id, at=clock.now, refund_id=f"re_{ticket_id}"))
    clock.now = T0
    activities = CrmActivities(store, clock=clock)

    context = ActivityEnvironment().run(activities.open_case, _open_case("T-new"))
    ActivityEnvironment().run(activities.open_case, _open_case("T-new"))

    assert (context.customer_id, context.tier, context.email) == (MAYA.id, "standard", MAYA.email)
    assert context.recent_refund_count == 2
    assert [r.ticket_id for r in context.recent_refunds] == ["T-a", "T-b"]
    assert count_rows(store, Ticket) == 4


def test_approval_activities_write_through(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-2")
    activities = CrmActivities(store)
    env = ActivityEnvironment()

    env.run(activities.record_approval_request, approval_request("T-2", "req-2", at=T0))
    env.run(
        activities.set_approval_message,
        ApprovalMessageRecord(request_id="req-2", ref=ApprovalMessageRef(channel="C1", ts="1.2")),
    )
    env.run(activities.record_approval_decision, decision("T-2", "req-2", "alice", "approved", T0))

    approval = store.get_approval("req-2")
    assert approval is not None
    assert (approval.status, approval.slack_channel, approval.slack_ts) == ("approved", "C1", "1.2")


def test_decision_for_unknown_request_is_non_retryable(store: CrmStore) -> None:
    activities = CrmActivities(store)
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            activities.record_approval_decision, decision("T-x", "req-x", "alice", "approved", T0)
        )
    assert (raised.value.type, raised.value.non_retryable) == ("ApprovalNotFound", True)


def test_outcome_and_audit_activities_are_idempotent(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-3")
    activities = CrmActivities(store)
    env = ActivityEnvironment()
    batch = AuditBatch(
        ticket_id="T-3",
        workflow_id="ticket-T-3",
        policy_version="v1",
        entries=[AuditEntry(actor="workflow", action="policy_loaded", at=T0)],
        dedupe_key="ticket-T-3:policy",
    )

    for _ in range(2):
        env.run(activities.record_audit, batch)
        env.run(activities.record_case_outcome, outcome("T-3", at=T0))

    assert count_rows(store, AuditEvent) == 3
    assert len(store.list_refunds("T-3")) == 1
    assert len(store.list_outbox("T-3")) == 1


def test_outcome_for_unrecorded_ticket_is_non_retryable(store: CrmStore) -> None:
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            CrmActivities(store).record_case_outcome, outcome("T-never", at=T0)
        )
    assert (raised.value.type, raised.value.non_retryable) == ("TicketNotFound", True)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_unreachable_database_is_retryable(kind: str, tmp_path: Path) -> None:
    # Real connection failures, no server needed: a directory that does not exist, a closed port.
    url = {
        "sqlite": f"sqlite:///{tmp_path / 'missing' / 'crm.db'}",
        "postgres": "postgresql://postgres@127.0.0.1:1/test?connect_timeout=2",
    }[kind]
    store = CrmStore(url)
    try:
        with pytest.raises(ApplicationError) as raised:
            ActivityEnvironment().run(CrmActivities(store).open_case, _open_case("T-4"))
    finally:
        store.dispose()

    assert raised.value.type == "CrmUnavailable"
    assert not raised.value.non_retryable
    assert "OperationalError" in raised.value.message
    assert "INSERT" not in raised.value.message
