"""What triage says about a ticket: one schema for the rules engine and the LLM.

`TriageAssessment` is exactly what a model is asked to return (OpenAI structured outputs), so it
has no defaults: strict JSON schemas require every field. `TriageResult` adds what our side knows
(which engine ran, tokens used). Amounts mentioned in the text are kept as the text said them, on
purpose not as numbers: nothing downstream may treat a customer's figure as money to move.

It sits with the policies, not the triage engines, because it is the vocabulary the routing policy
speaks: the triage engines (rules, LLM) produce it, the policy reads it.
"""

from __future__ import annotations

from typing import Literal, get_args

import re2
from pydantic import BaseModel, Field, field_validator

Intent = Literal[
    "refund_request",
    "order_status",
    "shipping",
    "billing_question",
    "billing_dispute",
    "account_access",
    "how_to",
    "signup",
    "complaint",
    "legal",
    "security",
    "human_request",
    "other",
]
INTENTS: tuple[Intent, ...] = get_args(Intent)

Urgency = Literal["low", "normal", "high", "critical"]
Sentiment = Literal["positive", "neutral", "negative", "angry"]

Signal = Literal[
    "asks_for_human",
    "policy_exception",
    "access_change",
    "legal_threat",
    "security_concern",
    "chargeback_threat",
    "prompt_injection",
]
"""Facts about a ticket that matter for escalation regardless of its intent."""
SIGNALS: tuple[Signal, ...] = get_args(Signal)


class TriageEntities(BaseModel):
    """Identifiers quoted by the customer. Order ids are normalised to `ord_<digits>`."""

    order_ids: list[str] = Field(description="Order numbers, normalised like ord_5001")
    emails: list[str] = Field(description="Email addresses written in the ticket")
    amounts_mentioned: list[str] = Field(
        description="Money amounts exactly as written (e.g. '$49.99'); informational only"
    )

    @field_validator("order_ids")
    @classmethod
    def _normalise_order_ids(cls, values: list[str]) -> list[str]:
        """An LLM may write '#5001' or 'ORD-5001' despite instructions; the CRM wants ord_5001."""
        return list(dict.fromkeys(normalise_order_id(v) for v in values if v.strip()))


# RE2 (linear time): an LLM's entity strings are ticket text it copied, of any length.
_ORDER_DIGITS = re2.compile(r"(?i)^\s*(?:ord[_-]?|#|order\s*#?\s*)?(\d{3,10})\s*$")


def normalise_order_id(value: str) -> str:
    match = _ORDER_DIGITS.match(value)
    return f"ord_{match.group(1)}" if match else value.strip()[:64]


class TriageAssessment(BaseModel):
    """The structured answer a triage engine gives for one ticket."""

    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0, description="Probability the intent is right")
    urgency: Urgency
    sentiment: Sentiment
    language: str = Field(
        min_length=2, max_length=8, description="ISO 639-1 code of the ticket's language"
    )
    signals: list[Signal]
    entities: TriageEntities
    summary: str = Field(min_length=1, max_length=240, description="One line for an agent")


Engine = str
"""`rules` or `openai:<model>`."""


class TriageResult(TriageAssessment):
    """A triage assessment plus which engine produced it and what it cost."""

    engine: Engine
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def order_id(self) -> str | None:
        """The order the ticket is about, only when exactly one was named."""
        ids = list(dict.fromkeys(self.entities.order_ids))
        return ids[0] if len(ids) == 1 else None
