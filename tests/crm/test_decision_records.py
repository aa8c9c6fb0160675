"""Decision facts ride on the audit note of the decision: written once per audit key, read back
with how the case ended, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from activities.models import AuditEntry, RecordedDecision
from integrations.crm_store import CrmStore
from integrations.crm_store.decision_table import DecisionFacts
from tests.crm.conftest import T0, count_rows
from tests.crm.factories import (
    add_customer_and_order,
    approval_request,
    decision,
    open_ticket,
    outcome,
)


def _decided(at_minutes: int, verdict: str = "auto_approve") -> AuditEntry:
    return AuditEntry(
        actor="policy",
        action=f"policy:{verdict}",
        detail="within_auto_approve_limit: 34.00 is within the limit",
        at=T0 + timedelta(minutes=at_minutes),
        decision=RecordedDecision(
            process="refund",
            verdict=verdict,
            rule="within_auto_approve_limit",
            amount_cents=3_400,
            facts={"customer_id": "cus_1", "order_id": "ord_1", "note": "scripted"},
        ),
    )


def test_a_decision_is_recorded_once_with_its_ending(store: CrmStore) -> None:
    add_customer_and_order(store, T0 - timedelta(days=3))
    open_ticket(store, "T-1")
    record = outcome("T-1", T0)
    record.audit = [_decided(0), *record.audit]
    store.record_case_outcome(record)
    store.record_case_outcome(record)  # an activity retry

    assert count_rows(store, DecisionFacts) == 1
    [case] = store.decided_cases("refund")
    assert (case.ticket_id, case.workflow_id, case.state) == ("T-1", "ticket-T-1", "resolved")
    assert (case.verdict, case.rule, case.amount_cents) == (
        "auto_approve",
        "within_auto_approve_limit",
        3_400,
    )
    assert case.facts == {"customer_id": "cus_1", "order_id": "ord_1", "note": "scripted"}
    assert case.policy_version == "refund-test@abc" and case.decided_at == T0
    assert store.decided_cases("refund", since=T0 + timedelta(seconds=1)) == []
    assert store.decided_cases("billing_dispute") == []
    assert store.cases_without_facts("refund", ["policy:auto_approve"]) == []


def test_the_approval_answer_and_cases_decided_before_facts_were_recorded(
    store: CrmStore,
) -> None:
    add_customer_and_order(store, T0 - timedelta(days=3))
    open_ticket(store, "T-2")
    request = approval_request("T-2", "req-2", T0)
    request.audit = [_decided(0, "needs_approval")]
    store.record_approval_request(request)
    store.record_approval_decision(decision("T-2", "req-2", "alice", "approved", T0))
    # A case decided by older code: the decision's audit note, no facts.
    open_ticket(store, "T-3")
    old = outcome("T-3", T0)
    old.audit = [AuditEntry(actor="policy", action="policy:auto_approve", at=T0), *old.audit]
    store.record_case_outcome(old)

    [case] = store.decided_cases("refund")
    assert (case.ticket_id, case.approval, case.state) == ("T-2", "approved", "refunding")
    [missing] = store.cases_without_facts("refund", ["policy:auto_approve"])
    assert store.cases_without_facts("billing_dispute", ["policy:nothing_found"]) == []
    assert (missing.ticket_id, missing.workflow_id, missing.state) == (
        "T-3",
        "ticket-T-3",
        "resolved",
    )
