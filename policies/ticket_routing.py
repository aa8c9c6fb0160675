"""Routing one triaged ticket: pure functions that apply the `RoutingPolicy` to it.

`route_ticket` takes a triage result and the customer facts read from the CRM; nothing here does
I/O, so the ticket workflow evaluates it deterministically and the decision can be replayed.

Escalation triggers are checked before anything else: whatever a ticket asks for, a legal threat,
a request for a person or an attempt to instruct the system reaches a human first.
"""

from __future__ import annotations

from policies.routing_policy import (
    Delivery,
    IntentRule,
    Requirement,
    Route,
    RouteDecision,
    RoutingFacts,
    RoutingPolicy,
)
from policies.triage_schema import TriageResult


def escalation_triggers(
    policy: RoutingPolicy, triage: TriageResult, facts: RoutingFacts
) -> list[str]:
    """Every escalation trigger that fires, most serious first; empty when none does."""
    rules = policy.escalation
    high_touch = facts.customer_tier is not None and facts.customer_tier in rules.high_touch.tiers
    fired = [f"signal:{s}" for s in rules.escalate_signals if s in triage.signals]
    if triage.intent in rules.escalate_intents:
        fired.append(f"intent:{triage.intent}")
    sentiments = rules.escalate_sentiments + (
        rules.high_touch.escalate_sentiments if high_touch else []
    )
    if triage.sentiment in sentiments:
        fired.append(f"sentiment:{triage.sentiment}")
    if high_touch and triage.intent in rules.high_touch.escalate_intents:
        fired.append(f"high_touch:{facts.customer_tier}:{triage.intent}")
    if rules.unknown_customer and not facts.customer_known:
        fired.append("unknown_customer")
    if triage.confidence < rules.min_triage_confidence:
        fired.append("low_confidence")
    return fired


_TRIGGER_REASONS = {
    "signal:prompt_injection": "the ticket tries to instruct the system",
    "signal:legal_threat": "the customer mentions legal action",
    "signal:security_concern": "the ticket reports a possible security problem",
    "signal:access_change": "the ticket asks to change who can access the account",
    "signal:chargeback_threat": "the customer threatens a chargeback",
    "signal:asks_for_human": "the customer asks for a person",
    "signal:policy_exception": "the customer asks for an exception to policy",
    "unknown_customer": "the customer is not in the CRM",
    "low_confidence": "triage is not confident about what the ticket is",
}


def _describe(trigger: str, triage: TriageResult) -> str:
    if trigger in _TRIGGER_REASONS:
        return _TRIGGER_REASONS[trigger]
    kind, _, detail = trigger.partition(":")
    if kind == "intent":
        return f"{detail.replace('_', ' ')} tickets always go to a person"
    if kind == "sentiment":
        return f"the customer sounds {detail}"
    if kind == "high_touch":
        return f"{detail.split(':')[0]} account with a {triage.intent.replace('_', ' ')} ticket"
    return trigger


def _decision(
    policy: RoutingPolicy,
    triage: TriageResult,
    route: Route,
    rule_id: str,
    reason: str,
    **extra: object,
) -> RouteDecision:
    rule = policy.rule_for(triage.intent)
    spec = policy.processes.get(rule.process) if rule.process else None
    return RouteDecision.model_validate(
        {
            "route": route,
            "rule": rule_id,
            "reason": reason,
            "intent": triage.intent,
            "rollout": rule.rollout,
            "recommended_next_step": spec.recommended_step if spec else rule.recommended_step,
            "policy_version": policy.version,
            **extra,
        }
    )


def route_ticket(policy: RoutingPolicy, triage: TriageResult, facts: RoutingFacts) -> RouteDecision:
    """Decide the route for one triaged ticket. Deterministic: same inputs, same decision."""
    rule = policy.rule_for(triage.intent)
    triggers = escalation_triggers(policy, triage, facts)
    if triggers:
        reasons = "; ".join(_describe(t, triage) for t in triggers)
        return _decision(
            policy,
            triage,
            "escalate",
            f"escalate:{triggers[0]}",
            f"Escalated: {reasons}.",
            triggers=triggers,
        )
    if rule.action == "escalate":
        return _decision(
            policy,
            triage,
            "escalate",
            f"intent_escalates:{triage.intent}",
            "Policy sends this intent to a person.",
        )
    if rule.action == "knowledge":
        return _decision(
            policy, triage, "answer", f"knowledge:{triage.intent}", "Answer from the help center."
        )
    if rule.rollout == "assist":
        return _decision(
            policy,
            triage,
            "escalate",
            "rollout:assist",
            "Rollout mode is assist: a person starts this process.",
        )
    floor = policy.escalation.supervised_min_confidence
    if rule.rollout == "supervised" and triage.confidence < floor:
        return _decision(
            policy,
            triage,
            "escalate",
            "rollout:supervised_low_confidence",
            f"Supervised rollout acts alone only from triage confidence {floor:.2f} "
            f"(got {triage.confidence:.2f}).",
        )
    return _route_process(policy, triage, facts, rule)


def _route_process(
    policy: RoutingPolicy, triage: TriageResult, facts: RoutingFacts, rule: IntentRule
) -> RouteDecision:
    spec = policy.processes.get(rule.process or "")
    if spec is None:
        return _decision(
            policy,
            triage,
            "escalate",
            "process_not_registered",
            f"The policy names a process {rule.process!r} that is not registered.",
        )
    target = {"process": rule.process, "workflow": spec.workflow}
    missing: list[Requirement] = [
        r for r in spec.requires if r == "order_id" and (facts.order_id or triage.order_id) is None
    ]
    if missing and facts.clarification_rounds >= policy.clarification.max_rounds:
        return _decision(
            policy,
            triage,
            "escalate",
            "clarification_exhausted",
            f"Still missing {', '.join(missing)} after {facts.clarification_rounds} questions.",
            missing=missing,
            **target,
        )
    if missing:
        return _decision(
            policy,
            triage,
            "clarify",
            f"missing:{missing[0]}",
            f"The {rule.process} process needs {', '.join(missing)}; asking the customer.",
            missing=missing,
            clarifying_question=spec.clarifying_question,
            **target,
        )
    return _decision(
        policy,
        triage,
        "start_process",
        f"process:{rule.process}",
        f"Start the {rule.process} process ({spec.workflow}).",
        **target,
    )


def answer_delivery(
    policy: RoutingPolicy, decision: RouteDecision, triage: TriageResult, answer_confidence: float
) -> tuple[Delivery, str]:
    """Whether a drafted answer goes to the customer or to a person for review, and why.

    assist: a person sends every draft. supervised: sent alone only when both triage and the
    answer are confident. automated: sent whenever the answer is confident enough."""
    threshold = policy.knowledge.answer_confidence_threshold
    floor = policy.escalation.supervised_min_confidence
    if decision.rollout == "assist":
        return "review", "Rollout mode is assist: a person sends every answer."
    if triage.language not in policy.knowledge.customer_languages:
        return "review", f"The help center does not answer in {triage.language!r}."
    if decision.rollout == "supervised" and triage.confidence < floor:
        return "review", (
            f"Supervised rollout: triage confidence {triage.confidence:.2f} is below {floor:.2f}."
        )
    if answer_confidence < threshold:
        return "review", (
            f"Answer confidence {answer_confidence:.2f} is below the threshold {threshold:.2f}."
        )
    return "send", f"Answer confidence {answer_confidence:.2f} meets the threshold {threshold:.2f}."
