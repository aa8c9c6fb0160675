"""What the outcomes report reads from the CRM: one case per ticket filed in the period, with
its slices, first reply, end, hand-offs, approvals, tokens and the audit rows it categorises."""

from __future__ import annotations

from datetime import timedelta

from activities.models import AuditEntry, CustomerReply
from integrations.crm_store import CrmStore, CustomerView
from integrations.handoff_records import HandoffRecord
from tests.crm.conftest import T0, FakeClock
from tests.crm.factories import (
    MAYA,
    add_customer_and_order,
    approval_request,
    decision,
    open_ticket,
    outcome,
)

VIP = CustomerView(id="cus_vip", name="Vera", email="vera@example.com", tier="vip")


def m(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def _seed(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, T0 - timedelta(days=3))
    store.add_customer(VIP)
    # A refund filed for the process, approved by alice 30 minutes after it was requested.
    open_ticket(store, "R1")
    clock.advance(m(1))
    store.record_approval_request(approval_request("R1", "req-1", clock()))
    clock.advance(m(30))
    store.record_approval_decision(decision("R1", "req-1", "alice", "approved", clock()))
    clock.advance(m(14))
    store.record_case_outcome(outcome("R1", clock()))
    # A complaint through chat, triaged, handed to bob who edited the draft; SLA breached.
    clock.now = T0 + m(60)
    store.upsert_ticket(
        ticket_id="H1",
        customer_id=VIP.id,
        process="ticket",
        workflow_id="ticket-H1",
        channel="chat",
    )
    store.record_audit(
        "H1",
        "ticket-H1",
        [
            AuditEntry(
                actor="supportflow", action="triaged", detail="complaint (0.91, llm)", at=clock()
            ),
            AuditEntry(
                actor="supportflow",
                action="routed:escalate",
                detail="intent_escalates:complaint: Policy sends this intent to a person.",
                at=clock(),
            ),
            AuditEntry(
                actor="supportflow", action="llm_usage", detail="triage 1200+300", at=clock()
            ),
            AuditEntry(actor="supportflow", action="handed_off", detail="noise", at=clock()),
        ],
        None,
        "H1:triage",
    )
    clock.advance(m(1))
    store.queue_customer_message(
        "H1", CustomerReply(subject="Re", body="A person is on it."), "H1:ack"
    )
    # Filed in a chat nobody registered a channel for: delivery fails the reply at once.
    store.plan_deliveries("H1", helpdesks=frozenset())
    store.record_handoff(
        HandoffRecord(
            handoff_id="H1-h1",
            ticket_id="H1",
            workflow_id="ticket-H1",
            reason="Policy sends this intent to a person.",
            urgency="high",
            state="resolved",
            opened_at=T0 + m(61),
            claimed_by="bob",
            claimed_at=T0 + m(70),
            resolved_by="bob",
            resolved_at=T0 + m(100),
            ending="edited",
            draft_text="We are sorry about the kettle.",
            sent_text="We are very sorry about the kettle; a new one ships today.",
            sla_breached_at=T0 + m(65),
            ticket_status="resolved",
            audit_key="H1:handoff:1",
        )
    )
    # Filed after the period: not in the report.
    clock.now = T0 + timedelta(days=2)
    open_ticket(store, "LATE")


def test_cases_carry_what_the_crm_recorded(store: CrmStore, clock: FakeClock) -> None:
    _seed(store, clock)
    facts = {c.ticket_id: c for c in store.outcome_facts(T0 - m(5), T0 + timedelta(days=1))}
    assert set(facts) == {"R1", "H1"}

    refund = facts["R1"]
    assert (refund.intent, refund.process, refund.tier, refund.channel) == (
        "-",
        "refund",
        MAYA.tier,
        "api",
    )
    assert refund.status == "resolved" and refund.ended_at == T0 + m(45)
    assert refund.first_reply_at == T0 + m(45)
    [approval] = refund.approvals
    assert (approval.requested_at, approval.decided_at) == (T0 + m(1), T0 + m(31))
    assert approval.decisions == ["approve"]
    [reply] = refund.replies  # the outcome's reply, not delivered yet
    assert (reply.status, reply.queued_at, reply.attempts) == ("queued", T0 + m(45), 0)

    complaint = facts["H1"]
    assert (complaint.intent, complaint.process, complaint.tier, complaint.channel) == (
        "complaint",
        "escalation",
        "vip",
        "chat",
    )
    assert (complaint.input_tokens, complaint.output_tokens) == (1200, 300)
    assert complaint.first_reply_at == T0 + m(61)
    [ack] = complaint.replies
    assert ack.status == "failed"
    assert ack.last_error is not None and ack.last_error.startswith("no delivery channel")
    assert complaint.ended_at == T0 + m(100)
    [handoff] = complaint.handoffs
    assert handoff.drafted and handoff.sla_breached and not handoff.draft_rejected
    assert handoff.edit_distance is not None and 0 < handoff.edit_distance < 1
    assert (handoff.claimed_at, handoff.resolved_at) == (T0 + m(70), T0 + m(100))
    # Only the rows the report categorises are read.
    assert [a.action for a in complaint.audit] == ["triaged", "routed:escalate", "llm_usage"]
