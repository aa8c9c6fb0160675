"""What `supportflow status` and `make run` print for triaged tickets, and the demo tickets'
routes, without servers: the views are built from real models, the routes from the rules triage
and the default routing policy that the worker uses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.triage_rules import triage_by_rules
from policies.loader import load_routing_policy
from policies.routing_policy import RoutingFacts
from policies.ticket_routing import route_ticket
from worker.case_report import describe_case
from worker.case_status import CaseView
from worker.local_stack.demo_data import DEMO_CUSTOMERS
from worker.local_stack.demo_triage import TRIAGE_DEMOS, TriageDemo
from worker.status_views import CaseStatusView, live_status
from workflows.case.contract import PendingApproval
from workflows.refund.contract import RefundStatus
from workflows.ticket.contract import TicketStatus

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _ticket_status(**fields: object) -> TicketStatus:
    triage = triage_by_rules("Shoes", "Refund order ord_5006 please, they are too small.")
    decision = route_ticket(
        load_routing_policy().policy,
        triage,
        RoutingFacts(customer_known=True, customer_tier="gold", order_id=None),
    )
    return TicketStatus(
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        state="in_process",
        triage=triage,
        intent=triage.intent,
        route=decision.route,
        route_reason=decision.reason,
        route_decision=decision,
        routing_policy_version="routing-x",
        **fields,  # type: ignore[arg-type]
    )


def _view(status: RefundStatus, child: RefundStatus | None = None) -> CaseView:
    return CaseView(
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        source="workflow",
        state=status.state,
        temporal_ui_url="http://ui.test/ticket-T-1",
        status=status,
        process_status=child,
    )


def test_triaged_refund_shows_route_and_the_childs_pending_approval() -> None:
    child = RefundStatus(
        ticket_id="T-1",
        workflow_id="ticket-T-1-refund",
        state="awaiting_approval",
        amount_cents=13_900,
        currency="usd",
        pending_approval=PendingApproval(
            request_id="req-1",
            level="single",
            amount_cents=13_900,
            currency="usd",
            charge_id="ch_1",
            required_approvals=1,
            approvers=["alice", "bob"],
            requested_by="customer",
            rule="single_approval_required",
            reason="above the auto-approve limit",
            expires_at=NOW,
        ),
    )
    status = _ticket_status(process="refund", process_workflow_id="ticket-T-1-refund")
    view = _view(status, child)
    text = "\n".join(describe_case(view))
    assert "Triage: refund_request" in text
    assert "Route: start_process (process:refund, routing-x)" in text
    assert "Why: Start the refund process (RefundWorkflow)." in text
    assert "Refund process ticket-T-1-refund: awaiting_approval" in text
    assert "\n    Approve: SUPPORTFLOW_KEY=<alice's key> supportflow approve T-1" in text

    # Serialized by the API and parsed back by a client, the triage fields survive.
    parsed = CaseView.model_validate_json(view.model_dump_json())
    assert isinstance(parsed.status, TicketStatus)
    assert parsed.status.route_decision == status.route_decision
    assert parsed.process_status is not None
    assert parsed.process_status.model_dump(exclude={"kind"}) == child.model_dump()
    assert isinstance(live_status(status.model_dump(mode="json")), TicketStatus)
    assert type(live_status(child.model_dump(mode="json"))) is RefundStatus


def test_refund_case_view_stays_a_case_status() -> None:
    status = RefundStatus(ticket_id="T-1", workflow_id="ticket-T-1", state="evaluating")
    parsed = CaseView.model_validate_json(_view(status).model_dump_json())
    assert type(parsed.status) is CaseStatusView
    assert "route" not in parsed.model_dump(mode="json")["status"]


def test_waiting_ticket_prints_the_reply_command() -> None:
    status = _ticket_status(awaiting_reply_since=NOW)
    status.state = "awaiting_customer"
    text = "\n".join(describe_case(_view(status)))
    assert "Waiting for the customer" in text and "since 2026-11-02 09:30 UTC" in text
    assert 'Reply:   supportflow reply T-1 --text "..."' in text


def _message(number: int, status: str, attempts: int, error: str | None) -> dict[str, object]:
    return {
        "id": number,
        "subject": f"Update {number}",
        "status": status,
        "attempts": attempts,
        "last_error": error,
    }


def test_a_failed_reply_is_printed_with_why_while_running_and_once_closed() -> None:
    status = RefundStatus(ticket_id="T-1", workflow_id="ticket-T-1", state="awaiting_approval")
    outbox = [
        _message(1, "sent", 1, None),
        _message(2, "failed", 5, "DeliveryUnavailable: HTTP 503"),
        _message(3, "queued", 0, None),
    ]
    expected = [
        "  Reply not delivered: 'Update 2' after 5 attempt(s): DeliveryUnavailable: HTTP 503"
    ]
    running = _view(status).model_copy(update={"outbox": outbox})
    assert [line for line in describe_case(running) if "not delivered" in line] == expected
    closed = running.model_copy(
        update={"source": "database", "status": None, "outbox": None, "record": {"outbox": outbox}}
    )
    assert [line for line in describe_case(closed) if "not delivered" in line] == expected


def test_closed_triaged_ticket_reads_route_and_handoff_from_the_record() -> None:
    record = {
        "resolution": "Handed to a person: Escalated: the customer asks for a person.",
        "audit": [
            {"action": "triaged", "detail": "human_request (0.89, rules)"},
            {"action": "routed:escalate", "detail": "escalate:signal:asks_for_human: Escalated: x"},
            {"action": "escalated", "detail": "..."},
        ],
        "notes": [
            {"body": "## Hand-off: Escalated: x\n\n**Recommended next step:** Reply personally."}
        ],
        "outbox": [
            {
                "subject": "Re: refunds",
                "citations": [{"title": "Refund timing", "url": "https://help.example/r"}],
            }
        ],
    }
    view = CaseView(
        ticket_id="T-1",
        workflow_id="ticket-T-1",
        source="database",
        state="escalated",
        temporal_ui_url="http://ui.test/ticket-T-1",
        record=record,
    )
    lines = describe_case(view)
    assert "  Route: escalate (escalate:signal:asks_for_human)" in lines
    assert "  Why: Escalated: x" in lines
    assert "  Hand-off package stored on the ticket (CRM note)" in lines
    assert "    Next step: Reply personally." in lines
    assert "    Source: Refund timing https://help.example/r" in lines


@pytest.mark.parametrize("demo", TRIAGE_DEMOS, ids=[d.ticket_id for d in TRIAGE_DEMOS])
def test_demo_tickets_take_the_route_make_run_promises(demo: TriageDemo) -> None:
    tiers = {c.id: c.tier for c in DEMO_CUSTOMERS}
    policy = load_routing_policy().policy
    triage = triage_by_rules(demo.subject, demo.body)
    facts = RoutingFacts(customer_known=True, customer_tier=tiers[demo.customer_id])
    assert route_ticket(policy, triage, facts).route == demo.expected_route
    if demo.reply_text is not None:
        answered = triage_by_rules(demo.subject, f"{demo.body}\n\n{demo.reply_text}")
        facts = RoutingFacts(
            customer_known=True, customer_tier=tiers[demo.customer_id], clarification_rounds=1
        )
        assert route_ticket(policy, answered, facts).route == "start_process"
