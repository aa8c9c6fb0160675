"""The routing policy: which path a triaged ticket takes, as versioned data.

A support lead edits `routing_policy.json` to decide which intents start a process, which are
answered from the help center, when the customer is asked for something missing, when a person
takes over, and how much each intent is automated (its rollout mode). `ticket_routing` applies it
to a triage result and the customer facts read from the CRM (`RoutingFacts`) and returns a
`RouteDecision`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from policies.triage_schema import Intent, Sentiment, Signal, Urgency

RolloutMode = Literal["assist", "supervised", "automated"]
Route = Literal["start_process", "answer", "clarify", "escalate"]
IntentAction = Literal["process", "knowledge", "escalate"]
Requirement = Literal["order_id"]
Delivery = Literal["send", "review"]


class RoutedProcess(BaseModel):
    """How triage routes to a registered process (workflows/registry.py): what the ticket must
    name first, and the step a person would take. `workflow` must be the registered workflow
    type; tests/policies/test_routing_processes.py checks it."""

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


HandbackKind = Literal["send_reply", "start_process", "ask_customer"]


class HandoffPolicy(BaseModel):
    """Where hand-offs are posted when Slack is configured (a channel id, C...), who may work
    them (`agents`, canonical person ids), what a person may hand back to automation, and how
    long after a resolution the customer may reopen the case."""

    slack_channel: str | None = None
    agents: list[str] = []
    handback: list[HandbackKind] = ["send_reply", "start_process", "ask_customer"]
    handback_processes: list[str] = []
    reopen_window_hours: float = Field(168, ge=0)


class UrgencySla(BaseModel):
    """How long a hand-off of one urgency may wait for its resolution: the channel is reminded
    at `remind_after_minutes`, and at `breach_after_minutes` the SLA is breached and the case is
    re-escalated (posted to the escalation channel, the claim released)."""

    remind_after_minutes: float = Field(gt=0)
    breach_after_minutes: float = Field(gt=0)

    @model_validator(mode="after")
    def _breach_after_reminder(self) -> UrgencySla:
        if self.breach_after_minutes <= self.remind_after_minutes:
            raise ValueError("breach_after_minutes must be later than remind_after_minutes")
        return self


class SlaPolicy(BaseModel):
    escalation_channel: str | None = None
    urgency: dict[Urgency, UrgencySla] = {}

    def for_urgency(self, urgency: str) -> UrgencySla | None:
        """The SLA of a hand-off's urgency (triage's, as text); None: no timers."""
        return next((sla for level, sla in self.urgency.items() if level == urgency), None)


class RoutingPolicy(BaseModel):
    version: str
    processes: dict[str, RoutedProcess]
    intents: dict[Intent, IntentRule]
    escalation: EscalationTriggers
    clarification: ClarificationPolicy
    knowledge: KnowledgePolicy
    handoff: HandoffPolicy = HandoffPolicy()
    sla: SlaPolicy = SlaPolicy()

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
