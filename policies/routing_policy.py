"""The routing policy: which path a triaged ticket takes, as versioned data plus pure functions.

A support lead edits `routing_policy.json` to decide which intents start a process, which are
answered from the help center, when the customer is asked for something missing, when a person
takes over, and how much each intent is automated (its rollout mode). `route_ticket` applies it
to a triage result and the customer facts read from the CRM; nothing here does I/O, so the ticket
workflow evaluates it deterministically and the decision can be replayed.

Escalation triggers are checked before anything else: whatever a ticket asks for, a legal threat,
a request for a person or an attempt to instruct the system reaches a human first.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from policies.triage_schema import Intent, Sentiment, Signal, TriageResult

RolloutMode = Literal["assist", "supervised", "automated"]
Route = Literal["start_process", "answer", "clarify", "escalate"]
IntentAction = Literal["process", "knowledge", "escalate"]
Requirement = Literal["order_id"]
Delivery = Literal["send", "review"]


class ProcessSpec(BaseModel):
    """A support process that runs as a child workflow, registered by its workflow type name."""

    workflow: str
    requires: list[Requirement] = []
    clarifying_question: str = ""
    recommended_step: str


class IntentRule(BaseModel):
    action: IntentAction
    rollout: RolloutMode = "assist"
    process: str | None = None
    recommended_step: str = "Review the ticket and reply to the customer."


class HighTouchAccounts(BaseModel):
    """VIP / high-value tiers get a person sooner: on milder sentiment and on listed intents."""

    tiers: list[str] = []
    escalate_sentiments: list[Sentiment] = []
    escalate_intents: list[Intent] = []


class EscalationTriggers(BaseModel):
    min_triage_confidence: float = Field(ge=0.0, le=1.0)
    supervised_min_confidence: float = Field(ge=0.0, le=1.0)
    escalate_intents: list[Intent] = []
    escalate_signals: list[Signal] = []
    escalate_sentiments: list[Sentiment] = []
    high_touch: HighTouchAccounts = HighTouchAccounts()
    unknown_customer: bool = True


class ClarificationPolicy(BaseModel):
    reminder_after_hours: float = Field(gt=0)
    close_after_hours: float = Field(gt=0)
    max_rounds: int = Field(ge=1)

    @model_validator(mode="after")
    def _close_after_reminder(self) -> ClarificationPolicy:
        if self.close_after_hours <= self.reminder_after_hours:
            raise ValueError("close_after_hours must be later than reminder_after_hours")
        return self


class KnowledgePolicy(BaseModel):
    top_k: int = Field(ge=1, le=20)
    answer_confidence_threshold: float = Field(ge=0.0, le=1.0)
    customer_languages: list[str] = ["en"]


class HandoffPolicy(BaseModel):
    """Where hand-offs are posted when Slack is configured (a channel id, C...)."""

    slack_channel: str | None = None


class RoutingPolicy(BaseModel):
    version: str
    processes: dict[str, ProcessSpec]
    intents: dict[Intent, IntentRule]
    escalation: EscalationTriggers
    clarification: ClarificationPolicy
    knowledge: KnowledgePolicy
    handoff: HandoffPolicy = HandoffPolicy()

    def rule_for(self, intent: Intent) -> IntentRule:
        return self.intents.get(intent) or IntentRule(action="escalate")


class RoutingFacts(BaseModel):
    """What routing needs from outside the ticket text: the CRM's view of the customer, an order
    id the helpdesk sent as a field, and how many clarifying questions were already asked."""

    customer_known: bool = True
    customer_tier: str | None = None
    order_id: str | None = None
    clarification_rounds: int = Field(0, ge=0)


class RouteDecision(BaseModel):
    route: Route
    rule: str
    reason: str
    intent: Intent
    rollout: RolloutMode
    process: str | None = None
    workflow: str | None = None
    missing: list[Requirement] = []
    clarifying_question: str | None = None
    triggers: list[str] = []
    recommended_next_step: str
    policy_version: str = ""


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
