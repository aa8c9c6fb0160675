"""The embedded triage engine: `triage(subject, body) -> TriageResult`, no LLM, no network.

    from integrations.triage_engine import triage
    result = triage("Refund", "I want my money back for my last purchase")
    result.intent, result.confidence, result.signals   # 'refund_request', 0.92, []

It reads the ticket with the rules engine (signals, entities, sentiment, language, pattern
scores), looks it up in the example bank and lets `triage_vote` decide the intent and its
calibrated confidence; a safety intent the vote finds plausible adds its signal, so the ticket
reaches a person. `supportflow eval`, the triage activity (when no LLM is configured) and
the benchmark all use it. `ExampleTriage` is the same engine over a bank of your choosing (with
saved examples from the CRM, or without the set being evaluated).
"""

from __future__ import annotations

import threading

from integrations.example_bank import ExampleBank, default_examples
from integrations.triage_entities import extract_entities
from integrations.triage_patterns import fold_text
from integrations.triage_rules import MAX_CONFIDENCE, _pick_intent, score_intents, summarize
from integrations.triage_signals import (
    detect_language,
    detect_sentiment,
    detect_signals,
    detect_urgency,
)
from integrations.triage_vote import Calibration, Vote, VoteWeights, suspected_signals, vote
from policies.triage_schema import Signal, TriageEntities, TriageResult

ENGINE = "rules+examples"


class ExampleTriage:
    """Rules signals plus a vote over an example bank, with a calibrated confidence."""

    def __init__(
        self,
        bank: ExampleBank,
        weights: VoteWeights = VoteWeights(),
        calibration: Calibration | None = None,
    ) -> None:
        self.bank = bank
        self.weights = weights
        self.calibration = calibration if calibration is not None else Calibration.load()

    def vote(self, subject: str, body: str, leave_out: frozenset[str] = frozenset()) -> Vote:
        """The intent decision alone (for tuning and diagnostics)."""
        text = f"{fold_text(subject)}\n{fold_text(body)}".strip()
        return self._vote(text, extract_entities(text), detect_signals(text), leave_out)

    def _vote(
        self,
        text: str,
        entities: TriageEntities,
        signals: list[Signal],
        leave_out: frozenset[str] = frozenset(),
    ) -> Vote:
        scores = score_intents(text)
        rules_intent, _ = _pick_intent(scores, bool(entities.order_ids))
        lookup = self.bank.lookup(text, self.weights.neighbours, leave_out)
        return vote(
            lookup, scores, rules_intent, signals, self.weights, self.calibration.rules_trust
        )

    def triage(self, subject: str, body: str) -> TriageResult:
        self.bank.sync()
        subject, body = fold_text(subject), fold_text(body)
        text = f"{subject}\n{body}".strip()
        entities = extract_entities(text)
        signals = detect_signals(text)
        decided = self._vote(text, entities, signals)
        if decided.decided_by == "same_wording":
            confidence = self.weights.same_wording_confidence
        else:
            confidence = min(self.calibration.confidence(decided.raw), MAX_CONFIDENCE)
        signals = suspected_signals(decided, signals, self.weights)
        sentiment = detect_sentiment(text)
        return TriageResult(
            intent=decided.intent,
            confidence=confidence,
            urgency=detect_urgency(decided.intent, sentiment, signals, text),
            sentiment=sentiment,
            language=detect_language(text),
            signals=signals,
            entities=entities,
            summary=summarize(decided.intent, entities, subject, body),
            engine=ENGINE,
        )


_default: ExampleTriage | None = None
_default_lock = threading.Lock()


def default_engine() -> ExampleTriage:
    """The engine over the built-in bank, built once per process (about a second)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ExampleTriage(ExampleBank(default_examples()))
        return _default


def triage(subject: str, body: str) -> TriageResult:
    """Classify one ticket with the embedded engine and the built-in example bank."""
    return default_engine().triage(subject, body)
