"""Triage by the example bank and the rules together: which intent, and how sure.

Three opinions are mixed into one distribution over intents:
- the nearest labelled tickets, each voting with its similarity;
- the ticket's closeness to each intent's centroid (all its examples at once), which holds up
  better than single neighbours on wording the bank has not seen;
- the rules engine's pattern scores, which carry domain knowledge no example set covers.

The rules keep the last word where they are precise and the cost of a miss is a person not
reached: a legal threat, a security report, or a request for a person with its signal is
classified as such whatever the vote says (so is a data-protection request) (and the signals themselves escalate in routing).
A ticket nearly identical to a labelled example takes that example's intent: a person labelled
that wording, which is how a saved correction changes the next routing.

The confidence is the mixed probability of the chosen intent mapped through a calibration table
(`triage_calibration.json`): accuracy per probability bucket, measured by grouped
cross-validation over the bank (`python -m evals.tune_triage`), so 0.8 means right about 8 times
in 10 on tickets like those the bank was measured on.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from integrations.example_bank import BankLookup, LabelledExample
from policies.triage_schema import INTENTS, Intent, Signal

CALIBRATION_FILE = Path(__file__).with_name("triage_calibration.json")

# Rules intents that win over the vote when their own signal fired too, or one of their strong
# patterns (a data-protection request names no threat but is a legal matter).
STRONG_RULE_SCORE = 3.0
RULES_OVERRIDE: dict[Intent, Signal] = {
    "legal": "legal_threat",
    "security": "security_concern",
    "human_request": "asks_for_human",
}


@dataclass(frozen=True)
class VoteWeights:
    """Set from `python -m evals.tune_triage --search` (grouped cross-validation on the bank)."""

    neighbours: int = 15
    knn: float = 0.5
    centroid: float = 1.0
    rules: float = 1.2
    centroid_temperature: float = 0.02
    full_support_similarity: float = 0.4
    suspicion: float = 0.15
    same_wording: float = 0.92
    same_wording_confidence: float = 0.9


@dataclass(frozen=True)
class Calibration:
    """Accuracy per raw-probability bucket: `edges[i]` is the lower bound of bucket i."""

    edges: list[float]
    accuracy: list[float]
    rules_trust: dict[str, float] = field(default_factory=dict)

    def confidence(self, raw: float) -> float:
        if not self.edges:
            return round(raw, 2)
        bucket = max(0, bisect.bisect_right(self.edges, raw) - 1)
        return round(self.accuracy[bucket], 2)

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        if not path.exists():
            return cls([], [])
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            [float(e) for e in data["edges"]],
            [float(a) for a in data["accuracy"]],
            {str(k): float(v) for k, v in data.get("rules_trust", {}).items()},
        )


@dataclass(frozen=True)
class Vote:
    intent: Intent
    raw: float
    distribution: dict[Intent, float]
    nearest: LabelledExample | None
    nearest_similarity: float
    decided_by: str


def _normalised(scores: dict[Intent, float]) -> dict[Intent, float]:
    total = sum(scores.values())
    return {i: s / total for i, s in scores.items()} if total > 0 else {}


def _softmax(scores: dict[str, float], temperature: float) -> dict[Intent, float]:
    known = {i: scores[i] for i in INTENTS if i in scores}
    if not known:
        return {}
    top = max(known.values())
    exps = {i: math.exp((s - top) / temperature) for i, s in known.items()}
    return _normalised(exps)


def mix(
    lookup: BankLookup,
    rule_scores: dict[Intent, float],
    rules_intent: Intent,
    weights: VoteWeights,
    rules_trust: dict[str, float] | None = None,
) -> dict[Intent, float]:
    """One distribution over intents from the neighbours, the centroids and the rules; the
    rules' share is scaled by how often their top intent was right on the bank."""
    knn: dict[Intent, float] = {}
    for example, similarity in lookup.neighbours[: weights.neighbours]:
        knn[example.intent] = knn.get(example.intent, 0.0) + similarity
    parts = [
        (weights.knn, _normalised(knn)),
        (weights.centroid, _softmax(lookup.centroids, weights.centroid_temperature)),
        (
            weights.rules * (rules_trust or {}).get(rules_intent, 1.0),
            _normalised({i: s for i, s in rule_scores.items() if s > 0}),
        ),
    ]
    parts = [(w, d) for w, d in parts if d and w > 0]
    total = sum(w for w, _ in parts)
    mixed = {i: 0.0 for i in INTENTS}
    for w, dist in parts:
        for intent, p in dist.items():
            mixed[intent] += w * p / total
    return mixed


def vote(
    lookup: BankLookup,
    rule_scores: dict[Intent, float],
    rules_intent: Intent,
    signals: list[Signal],
    weights: VoteWeights = VoteWeights(),
    rules_trust: dict[str, float] | None = None,
) -> Vote:
    nearest, similarity = lookup.neighbours[0] if lookup.neighbours else (None, 0.0)
    distribution = mix(lookup, rule_scores, rules_intent, weights, rules_trust)
    if nearest is not None and similarity >= weights.same_wording:
        return Vote(nearest.intent, 1.0, distribution, nearest, similarity, "same_wording")
    strong = rule_scores.get(rules_intent, 0.0) >= STRONG_RULE_SCORE
    if rules_intent in RULES_OVERRIDE and (RULES_OVERRIDE[rules_intent] in signals or strong):
        raw = max(distribution.get(rules_intent, 0.0), 0.5)
        return Vote(rules_intent, raw, distribution, nearest, similarity, "rules_signal")
    if not distribution or max(distribution.values()) <= 0:
        return Vote("other", 0.0, distribution, nearest, similarity, "no_evidence")
    best = max(INTENTS, key=lambda i: distribution[i])
    # A clear vote among examples that are all far from the ticket is still a guess: the raw
    # score shrinks with the nearest example's similarity (on the bank, accuracy rises from
    # about 0.4 at similarity 0.1 to 0.9 at 0.5).
    support = min(1.0, similarity / weights.full_support_similarity)
    raw = distribution[best] * support
    return Vote(best, raw, distribution, nearest, similarity, "vote")


def suspected_signals(vote: Vote, signals: list[Signal], weights: VoteWeights) -> list[Signal]:
    """The rules' signals, plus the signal of any safety intent the vote gives at least
    `suspicion` of its mass to. A security report written without security words ("a password
    reset email I didn't ask for") may lose the vote to account access, yet a miss costs more
    than a needless escalation. On the bank's cross-validation (755 examples) the vote misses 3 of
    120 safety tickets; 0.15 catches one of them and adds 24 escalations. The intent is unchanged."""
    added = [
        signal
        for intent, signal in RULES_OVERRIDE.items()
        if signal not in signals and vote.distribution.get(intent, 0.0) >= weights.suspicion
    ]
    return [*signals, *added]
