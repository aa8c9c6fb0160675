"""CrmStore behaviour that activities rely on: idempotent writes, lookups, UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from activities.models import AuditEntry
from integrations.crm_store import CrmStore
from integrations.crm_store.engine import create_crm_engine, normalize_database_url
from integrations.crm_store.tables import (
    ApprovalDecisionRow,
    AuditEvent,
    OutboxMessage,
    Refund,
    Ticket,
)
from tests.crm.conftest import T0, FakeClock, count_rows
from tests.crm.factories import (
    MAYA,
    add_customer_and_order,
    approval_request,
    decision,
    open_ticket,
    outcome,
)


def test_upsert_ticket_keeps_the_first_version(store: CrmStore, clock: FakeClock) -> None:
    store.upsert_ticket(
        ticket_id="T-1", customer_id="cus_1", process="refund", subject="first", body="b"
    )
    clock.advance(timedelta(minutes=5))
    again = store.upsert_ticket(
        ticket_id="T-1",
        customer_id="cus_1",
        process="refund",
        workflow_id="ticket-T-1",
        subject="second",
        body="b2",
    )

    assert count_rows(store, Ticket) == 1
    assert again.subject == "first"
    assert again.status == "received"
    # A ticket recorded before its case started gets the case's workflow id attached.
    assert again.workflow_id == "ticket-T-1"
    assert again.created_at == T0


def test_case_outcome_recorded_twice_writes_once(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=3))
    open_ticket(store, "T-1")
    record = outcome("T-1", at=T0)

    store.record_case_outcome(record)
    clock.advance(timedelta(seconds=30))
    store.record_case_outcome(record)

    assert count_rows(store, Refund) == 1
    assert count_rows(store, OutboxMessage) == 1
    assert count_rows(store, AuditEvent) == 2
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    assert (ticket.status, ticket.resolution) == ("resolved", "Refunded 34.00 USD")
    assert ticket.policy_version == "refund-test@abc"
    assert [r.refund_id for r in ticket.refunds] == ["re_1"]
    assert [a.action for a in ticket.audit] == ["auto_approved", "refund_issued"]
    (reply,) = store.list_outbox("T-1")
    assert (reply.recipient, reply.status) == (MAYA.email, "queued")
    assert reply.citations == [{"id": "kb-1"}]
    assert store.list_refunds("T-1")[0].amount_cents == 3400


def test_case_outcome_without_refund_or_known_customer(store: CrmStore) -> None:
    open_ticket(store, "T-9", customer_id="cus_unknown")
    record = outcome("T-9", at=T0, refund_id=None)
    record.status = "escalated"

    store.record_case_outcome(record)

    ticket = store.get_ticket("T-9")
    assert ticket is not None
    assert ticket.status == "escalated"
    assert ticket.refunds == []
    assert ticket.outbox[0].recipient is None


def test_recent_refunds_only_counts_the_window(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=200))
    other = MAYA.model_copy(update={"id": "cus_2", "email": "other@example.com"})
    add_customer_and_order(store, placed_at=T0, customer=other, order_id="ord_2")
    for ticket_id, refund_id, age_days in (("T-old", "re_old", 100), ("T-new", "re_new", 10)):
        clock.now = T0 - timedelta(days=age_days)
        open_ticket(store, ticket_id)
        store.record_case_outcome(outcome(ticket_id, at=clock.now, refund_id=refund_id))
    clock.now = T0
    open_ticket(store, "T-other", customer_id=other.id)
    record = outcome("T-other", at=T0, refund_id="re_other")
    record.customer_id = other.id
    store.record_case_outcome(record)

    recent = store.recent_refunds(MAYA.id, since=T0 - timedelta(days=90))

    assert [(r.ticket_id, r.amount_cents) for r in recent] == [("T-new", 3400)]
    assert recent[0].created_at == T0 - timedelta(days=10)
    assert len(store.recent_refunds(MAYA.id, since=T0 - timedelta(days=365))) == 2


def test_pending_approval_lookup_through_dual_approval(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-2")
    store.record_approval_request(approval_request("T-2", "req-1", at=T0, required=2))
    store.record_approval_request(approval_request("T-2", "req-1", at=T0, required=2))
    store.set_approval_message("req-1", "C0FINANCE", "1700000000.000100")

    pending = store.pending_approval_for_ticket("T-2")
    assert pending is not None
    assert (pending.request_id, pending.workflow_id, pending.level) == (
        "req-1",
        "ticket-T-2",
        "dual",
    )
    assert (pending.amount_cents, pending.currency, pending.required_approvals) == (18000, "usd", 2)
    assert pending.approvers == ["alice", "carol", "dave"]
    assert (pending.slack_channel, pending.slack_ts) == ("C0FINANCE", "1700000000.000100")
    ticket = store.get_ticket("T-2")
    assert ticket is not None and ticket.status == "awaiting_approval"
    assert len(ticket.audit) == 1

    first = decision("T-2", "req-1", "alice", "pending", at=T0 + timedelta(minutes=1))
    store.record_approval_decision(first)
    store.record_approval_decision(first)
    partially = store.pending_approval_for_ticket("T-2")
    assert partially is not None and partially.approved_by == ["alice"]

    store.record_approval_decision(
        decision("T-2", "req-1", "carol", "approved", at=T0 + timedelta(minutes=2))
    )

    assert store.pending_approval_for_ticket("T-2") is None
    approval = store.get_approval("req-1")
    assert approval is not None
    assert approval.status == "approved"
    assert approval.decided_at == T0 + timedelta(minutes=2)
    assert approval.approved_by == ["alice", "carol"]
    assert count_rows(store, ApprovalDecisionRow) == 2
    ticket = store.get_ticket("T-2")
    assert ticket is not None and ticket.status == "refunding"
    assert [a.action for a in ticket.audit] == [
        "approval_requested",
        "approval_approved",
        "approval_approved",
    ]


def test_new_request_voids_the_older_pending_one(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-3")
    store.record_approval_request(approval_request("T-3", "req-a", at=T0))
    store.record_approval_request(
        approval_request("T-3", "req-b", at=T0 + timedelta(hours=1), amount_cents=9000)
    )

    pending = store.pending_approval_for_ticket("T-3")
    assert pending is not None and pending.request_id == "req-b"
    old = store.get_approval("req-a")
    assert old is not None and old.status == "expired"


def test_closed_case_is_not_reopened_by_late_writes(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    workflow_id = open_ticket(store, "T-4")
    store.record_approval_request(approval_request("T-4", "req-4", at=T0))
    record = outcome("T-4", at=T0, refund_id=None)
    record.status = "expired"
    store.record_case_outcome(record)

    # A retried approval-request write and a re-posted ticket arrive after the case closed.
    store.record_approval_request(approval_request("T-4", "req-4", at=T0))
    store.upsert_ticket(ticket_id="T-4", customer_id=MAYA.id, process="refund")

    ticket = store.get_ticket("T-4")
    assert ticket is not None
    assert (ticket.status, ticket.workflow_id) == ("expired", workflow_id)
    assert store.pending_approval_for_ticket("T-4") is None


def test_record_audit_once_per_key_and_refused_clicks_always(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-5")
    entries = [
        AuditEntry(actor="workflow", action="policy_loaded", at=T0),
        AuditEntry(actor="policy", action="needs_approval", detail="single", at=T0),
    ]

    assert store.record_audit("T-5", "ticket-T-5", entries, "v1", "ticket-T-5:evaluate") == 2
    assert store.record_audit("T-5", "ticket-T-5", entries, "v1", "ticket-T-5:evaluate") == 0
    for _ in range(2):
        store.record_refused_approval(
            "T-5", "mallory", "slack", "req-x", "unauthorized", "mallory is not an approver"
        )

    ticket = store.get_ticket("T-5")
    assert ticket is not None
    refused = [a for a in ticket.audit if a.action == "approval_refused"]
    assert len(refused) == 2
    assert refused[0].actor == "mallory"
    assert "unauthorized" in refused[0].detail
    assert refused[0].workflow_id == "ticket-T-5"
    assert count_rows(store, AuditEvent) == 4


def test_datetimes_round_trip_as_aware_utc(store: CrmStore) -> None:
    add_customer_and_order(store, placed_at=T0)
    open_ticket(store, "T-6")
    paris = timezone(timedelta(hours=2))
    record = approval_request("T-6", "req-6", at=T0)
    record.expires_at = datetime(2026, 11, 21, 14, 30, tzinfo=paris)
    store.record_approval_request(record)

    approval = store.get_approval("req-6")
    assert approval is not None
    assert approval.expires_at == datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
    assert approval.expires_at.utcoffset() == timedelta(0)
    assert approval.created_at.tzinfo is not None
    ticket = store.get_ticket("T-6")
    assert ticket is not None
    assert all(dt.utcoffset() == timedelta(0) for dt in (ticket.created_at, ticket.updated_at))


def test_naive_datetimes_are_refused(store: CrmStore) -> None:
    with pytest.raises(StatementError, match="timezone"):
        store.recent_refunds(MAYA.id, since=datetime(2026, 1, 1))


def test_postgres_urls_use_psycopg_3() -> None:
    for raw in ("postgresql://u@db:5432/crm", "postgres://u@db:5432/crm"):
        url = normalize_database_url(raw)
        assert url.drivername == "postgresql+psycopg"
        assert (url.host, url.port, url.database) == ("db", 5432, "crm")
    explicit = normalize_database_url("postgresql+psycopg://u@db/crm")
    assert explicit.drivername == "postgresql+psycopg"
    assert normalize_database_url("sqlite:///x.db").drivername == "sqlite"


def test_other_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        create_crm_engine("mysql://u@db/crm")


def test_slack_clicks_are_audited_accepted_or_refused(tmp_path) -> None:
    from datetime import UTC, datetime

    from activities.models import ApprovalClickRecord
    from integrations.crm_store.store import CrmStore
    from integrations.crm_store.views import CustomerView

    store = CrmStore(f"sqlite:///{tmp_path / 'clicks.db'}")
    store.migrate()
    store.add_customer(CustomerView(id="cus_1", name="A", email="a@example.com", tier="standard"))
    store.upsert_ticket(ticket_id="T-1", customer_id="cus_1", process="refund")
    at = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    for result, code in (("refused", "not_an_approver"), ("accepted", None)):
        store.record_approval_click(
            ApprovalClickRecord(
                ticket_id="T-1",
                request_id="req-1",
                slack_user_id="U0ALICE",
                approver="alice",
                action="approve",
                outcome=result,
                code=code,
                at=at,
            )
        )
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    clicks = [(e.actor, e.action) for e in ticket.audit if e.action.startswith("slack_click")]
    assert clicks == [("alice", "slack_click_refused"), ("alice", "slack_click_accepted")]
    assert "not_an_approver" in ticket.audit[0].detail and "req-1" in ticket.audit[0].detail
