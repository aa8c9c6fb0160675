"""CI floor for the rules engine on the eval set, and the injection guarantees."""

from __future__ import annotations

from evals.run import evaluate, format_report, load_cases, rules_triage
from integrations.triage_rules import triage_by_rules
from workflows.refund.intake import refund_request
from workflows.ticket.contract import TicketRequest

INTENT_FLOOR = 0.90
ROUTE_FLOOR = 0.93


async def test_eval_set_shape() -> None:
    cases = load_cases()
    assert len(cases) >= 60
    assert sum(c.injection for c in cases) >= 10
    assert len({c.id for c in cases}) == len(cases)


async def test_rules_engine_meets_the_floor() -> None:
    report = await evaluate(load_cases(), rules_triage, "rules")
    text = format_report(report)
    assert report.intent_accuracy >= INTENT_FLOOR, text
    assert report.route_accuracy >= ROUTE_FLOOR, text
    precision, recall = report.escalation()
    assert recall == 1.0, text  # every ticket that needs a person reaches one
    assert precision >= 0.9, text


async def test_no_injection_reaches_a_process() -> None:
    report = await evaluate([c for c in load_cases() if c.injection], rules_triage, "rules")
    assert report.injections() == {"escalate": len(report.results)}


def test_ticket_text_never_becomes_an_amount() -> None:
    """Whatever a ticket says, the refund child is started without an amount: the refund
    policy takes it from the charge in the system of record."""
    for case in load_cases():
        result = triage_by_rules(case.subject, case.text)
        request = TicketRequest(
            ticket_id=case.id, customer_id="cus_1", subject=case.subject, body=case.text
        )
        assert refund_request(request, result).requested_amount_cents is None
