"""Deterministic triage from patterns and keywords: the embedded default when no LLM is configured.

Every intent has weighted patterns; the best-scoring intent wins and its confidence says how
clearly it won (strength of evidence and margin over the runner-up), capped below certainty
because keyword matching is never certain. No match at all gives `other` with a low confidence,
so routing escalates instead of guessing. Same text in, same result out: the eval set relies on it.

The patterns and the RE2 text folding are in `triage_patterns`, the signal, sentiment, urgency and
language detectors in `triage_signals`, the entity extraction in `triage_entities`; this module
combines them into one `TriageResult`.
"""

from __future__ import annotations

import math

from integrations.triage_entities import (
    AMOUNT_PATTERN,
    EMAIL_PATTERN,
    ORDER_PATTERNS,
    extract_entities,
)
from integrations.triage_patterns import INTENT_PATTERNS, Pattern, fold_text
from integrations.triage_signals import (
    ANGRY_WORDS,
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    SHOUTED_WORD,
    SIGNAL_PATTERNS,
    URGENT_WORDS,
    detect_language,
    detect_sentiment,
    detect_signals,
    detect_urgency,
)
from policies.triage_schema import INTENTS, Intent, TriageEntities, TriageResult

ENGINE = "rules"
MAX_CONFIDENCE = 0.92
NO_MATCH_CONFIDENCE = 0.3

SENTENCE_END = Pattern(r"[.!?]\s|\n", ignore_case=False)


def pattern_sources() -> list[Pattern]:
    """Every pattern the rules engine runs on ticket text."""
    intents = [p for patterns in INTENT_PATTERNS.values() for p in patterns]
    signals = [p for patterns in SIGNAL_PATTERNS.values() for p in patterns]
    words = [NEGATIVE_WORDS, ANGRY_WORDS, POSITIVE_WORDS, URGENT_WORDS, SHOUTED_WORD]
    entities = [*ORDER_PATTERNS, EMAIL_PATTERN, AMOUNT_PATTERN]
    return [*intents, *signals, *words, SENTENCE_END, *entities]


INTENT_LABELS: dict[Intent, str] = {
    "refund_request": "Refund request",
    "order_status": "Order status",
    "shipping": "Shipping question",
    "billing_question": "Billing question",
    "billing_dispute": "Billing dispute",
    "account_access": "Account access",
    "how_to": "How-to question",
    "signup": "Sign up or upgrade",
    "complaint": "Complaint",
    "legal": "Legal matter",
    "security": "Security concern",
    "human_request": "Asks for a person",
    "other": "Unclassified",
}


def score_intents(text: str) -> dict[Intent, float]:
    """Sum of the weights of every pattern that matches, per intent."""
    scores: dict[Intent, float] = {intent: 0.0 for intent in INTENTS}
    for intent, patterns in INTENT_PATTERNS.items():
        scores[intent] = sum(p.weight for p in patterns if p.regex.search(text))
    return scores


def _pick_intent(scores: dict[Intent, float], has_order: bool) -> tuple[Intent, float]:
    # A named order makes a refund demand concrete; a bare question about refunds is a how-to.
    if has_order and scores["refund_request"] > 0:
        scores = {**scores, "refund_request": scores["refund_request"] + 1.5}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0])))
    (best, top), (_, second) = ranked[0], ranked[1]
    if top <= 0:
        return "other", NO_MATCH_CONFIDENCE
    strength = 1.0 - math.exp(-top / 3.0)
    margin = (top - second) / top
    confidence = 0.35 + 0.6 * strength * (0.4 + 0.6 * margin)
    return best, round(min(confidence, MAX_CONFIDENCE), 2)


def first_sentence(text: str) -> str:
    """Up to the first sentence end (kept) or line break (dropped)."""
    end = SENTENCE_END.regex.search(text)
    if end is None:
        return text
    cut = end.start()
    return text[:cut] if text[cut] == "\n" else text[: cut + 1]


def summarize(intent: Intent, entities: TriageEntities, subject: str, body: str) -> str:
    first = first_sentence(body.strip())
    gist = (subject.strip() or first or "(empty ticket)")[:140]
    orders = f" [{', '.join(entities.order_ids[:3])}]" if entities.order_ids else ""
    return f"{INTENT_LABELS[intent]}{orders}: {gist}"[:240]


def triage_by_rules(subject: str, body: str) -> TriageResult:
    """Classify one ticket from its subject and body."""
    subject, body = fold_text(subject), fold_text(body)
    text = f"{subject}\n{body}".strip()
    entities = extract_entities(text)
    intent, confidence = _pick_intent(score_intents(text), bool(entities.order_ids))
    signals = detect_signals(text)
    sentiment = detect_sentiment(text)
    return TriageResult(
        intent=intent,
        confidence=confidence,
        urgency=detect_urgency(intent, sentiment, signals, text),
        sentiment=sentiment,
        language=detect_language(text),
        signals=signals,
        entities=entities,
        summary=summarize(intent, entities, subject, body),
        engine=ENGINE,
    )
