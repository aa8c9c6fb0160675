"""The routing policy as a table: triage result + customer facts in, route and rule out."""

from __future__ import annotations

from typing import Any

import pytest

from policies.loader import load_routing_policy
from policies.routing_policy import RoutingFacts, RoutingPolicy
from policies.ticket_routing import answer_delivery, route_ticket
from policies.triage_schema import TriageEntities, TriageResult

POLICY: RoutingPolicy = load_routing_policy().policy


def triage(intent: str = "how_to", **kw: Any) -> TriageResult:
    orders = kw.pop("orders", [])
    values: dict[str, Any] = {
        "intent": intent,
        "confidence": 0.8,
        "urgency": "normal",
        "sentiment": "neutral",
        "language": "en",
        "signals": [],
        "entities": TriageEntities(order_ids=orders, emails=[], amounts_mentioned=[]),
        "summary": "s",
        "engine": "rules",
    }
    values.update(kw)
    return TriageResult(**values)


CASES = [
    # (case, triage, facts, route, rule)
    (
        "refund with order",
        triage("refund_request", orders=["ord_1"]),
        RoutingFacts(),
        "start_process",
        "process:refund",
    ),
    (
        "refund, order from helpdesk field",
        triage("refund_request"),
        RoutingFacts(order_id="ord_9"),
        "start_process",
        "process:refund",
    ),
    (
        "refund without order",
        triage("refund_request"),
        RoutingFacts(),
        "clarify",
        "missing:order_id",
    ),
    (
        "refund with two orders",
        triage("refund_request", orders=["ord_1", "ord_2"]),
        RoutingFacts(),
        "clarify",
        "missing:order_id",
    ),
    (
        "refund, questions exhausted",
        triage("refund_request"),
        RoutingFacts(clarification_rounds=2),
        "escalate",
        "clarification_exhausted",
    ),
    (
        "refund, supervised needs confidence",
        triage("refund_request", orders=["ord_1"], confidence=0.55),
        RoutingFacts(),
        "escalate",
        "rollout:supervised_low_confidence",
    ),
    (
        "low triage confidence",
        triage("how_to", confidence=0.3),
        RoutingFacts(),
        "escalate",
        "escalate:low_confidence",
    ),
    ("how-to", triage("how_to"), RoutingFacts(), "answer", "knowledge:how_to"),
    (
        "order status (assist)",
        triage("order_status"),
        RoutingFacts(),
        "answer",
        "knowledge:order_status",
    ),
    (
        "asks for a person",
        triage("human_request", signals=["asks_for_human"]),
        RoutingFacts(),
        "escalate",
        "escalate:signal:asks_for_human",
    ),
    (
        "angry",
        triage("refund_request", orders=["ord_1"], sentiment="angry"),
        RoutingFacts(),
        "escalate",
        "escalate:sentiment:angry",
    ),
    (
        "negative standard customer",
        triage("how_to", sentiment="negative"),
        RoutingFacts(customer_tier="standard"),
        "answer",
        "knowledge:how_to",
    ),
    (
        "negative VIP",
        triage("how_to", sentiment="negative"),
        RoutingFacts(customer_tier="vip"),
        "escalate",
        "escalate:sentiment:negative",
    ),
    (
        "VIP billing",
        triage("billing_question"),
        RoutingFacts(customer_tier="vip"),
        "escalate",
        "escalate:high_touch:vip:billing_question",
    ),
    ("legal", triage("legal"), RoutingFacts(), "escalate", "escalate:intent:legal"),
    ("security", triage("security"), RoutingFacts(), "escalate", "escalate:intent:security"),
    (
        "access change",
        triage("account_access", signals=["access_change"]),
        RoutingFacts(),
        "escalate",
        "escalate:signal:access_change",
    ),
    (
        "policy exception",
        triage("refund_request", orders=["ord_1"], signals=["policy_exception"]),
        RoutingFacts(),
        "escalate",
        "escalate:signal:policy_exception",
    ),
    (
        "injection beats everything",
        triage("how_to", signals=["asks_for_human", "prompt_injection"]),
        RoutingFacts(),
        "escalate",
        "escalate:signal:prompt_injection",
    ),
    (
        "unknown customer",
        triage("how_to"),
        RoutingFacts(customer_known=False),
        "escalate",
        "escalate:unknown_customer",
    ),
    ("complaint", triage("complaint"), RoutingFacts(), "escalate", "escalate:intent:complaint"),
    (
        "other",
        triage("other", confidence=0.6),
        RoutingFacts(),
        "escalate",
        "intent_escalates:other",
    ),
]


@pytest.mark.parametrize(
    ("name", "result", "facts", "route", "rule"), CASES, ids=[c[0] for c in CASES]
)
def test_route(name: str, result: TriageResult, facts: RoutingFacts, route: str, rule: str) -> None:
    decision = route_ticket(POLICY, result, facts)
    assert (decision.route, decision.rule) == (route, rule)
    assert decision.reason
    assert decision.policy_version == POLICY.version


def test_start_process_names_the_child_workflow() -> None:
    decision = route_ticket(POLICY, triage("refund_request", orders=["ord_1"]), RoutingFacts())
    assert (decision.process, decision.workflow) == ("refund", "RefundWorkflow")


def test_clarify_carries_the_question() -> None:
    decision = route_ticket(POLICY, triage("refund_request"), RoutingFacts())
    assert decision.missing == ["order_id"]
    assert decision.clarifying_question and "order number" in decision.clarifying_question


def test_every_trigger_is_listed() -> None:
    result = triage("legal", sentiment="angry", signals=["legal_threat", "asks_for_human"])
    decision = route_ticket(POLICY, result, RoutingFacts())
    assert decision.triggers == [
        "signal:legal_threat",
        "signal:asks_for_human",
        "intent:legal",
        "sentiment:angry",
    ]
    assert "legal action" in decision.reason and "asks for a person" in decision.reason


def test_assist_rollout_turns_a_process_into_a_handoff() -> None:
    policy = POLICY.model_copy(deep=True)
    policy.intents["refund_request"].rollout = "assist"
    decision = route_ticket(policy, triage("refund_request", orders=["ord_1"]), RoutingFacts())
    assert (decision.route, decision.rule) == ("escalate", "rollout:assist")


@pytest.mark.parametrize(
    ("intent", "triage_conf", "language", "answer_conf", "delivery"),
    [
        ("how_to", 0.8, "en", 0.9, "send"),  # automated, confident
        ("how_to", 0.8, "en", 0.3, "review"),  # below the answer threshold
        ("how_to", 0.8, "es", 0.9, "review"),  # help center is English-only
        ("order_status", 0.9, "en", 1.0, "review"),  # assist: a person always sends
        ("billing_question", 0.55, "en", 0.9, "review"),  # supervised, unsure triage
        ("billing_question", 0.7, "en", 0.9, "send"),  # supervised, sure triage
    ],
)
def test_answer_delivery(
    intent: str, triage_conf: float, language: str, answer_conf: float, delivery: str
) -> None:
    result = triage(intent, confidence=triage_conf, language=language)
    decision = route_ticket(POLICY, result, RoutingFacts())
    got, why = answer_delivery(POLICY, decision, result, answer_conf)
    assert got == delivery
    assert why


def test_policy_snapshot_is_fingerprinted() -> None:
    snapshot = load_routing_policy()
    assert len(snapshot.sha256) == 64
    assert snapshot.version_tag.startswith(snapshot.policy.version + "@")


def test_clarification_timeouts_must_be_ordered() -> None:
    data = POLICY.model_dump()
    data["clarification"]["close_after_hours"] = data["clarification"]["reminder_after_hours"]
    with pytest.raises(ValueError, match="close_after_hours"):
        RoutingPolicy.model_validate(data)
