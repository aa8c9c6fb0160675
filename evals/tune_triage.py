"""Tunes the example-bank vote and writes its calibration, from the bank alone:
`python -m evals.tune_triage`.

Grouped k-fold cross-validation over the built-in bank (the regression set and the development
set's train split; the test split is never read): each fold's tickets are triaged by a bank
built without their groups, so every variant of a sentence is out when that sentence is scored.
The weights with the best cross-validated accuracy are printed (they are set by hand in
`VoteWeights`), and the accuracy per raw-probability bucket under the current weights is written
to `integrations/triage_calibration.json`, made monotone (pool adjacent violators) so a higher
probability never maps to a lower confidence.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace

from integrations.example_bank import BankLookup, ExampleBank, LabelledExample, default_examples
from integrations.triage_entities import extract_entities
from integrations.triage_patterns import fold_text
from integrations.triage_rules import _pick_intent, score_intents
from integrations.triage_signals import detect_signals
from integrations.triage_vote import CALIBRATION_FILE, VoteWeights, vote
from policies.triage_schema import Intent, Signal

FOLDS = 5
EDGES = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
MIN_BUCKET = 8
Probe = tuple[LabelledExample, BankLookup, dict[Intent, float], Intent, list[Signal]]


def fold_of(group: str) -> int:
    return sum(group.encode()) % FOLDS


def probes(examples: list[LabelledExample], neighbours: int) -> list[Probe]:
    """Each example looked up in a bank without its fold, with its rules evidence."""
    found: list[Probe] = []
    for fold in range(FOLDS):
        held = [e for e in examples if fold_of(e.group) == fold]
        bank = ExampleBank([e for e in examples if fold_of(e.group) != fold])
        for example in held:
            text = fold_text(example.ticket_text)
            scores = score_intents(text)
            rules_intent, _ = _pick_intent(scores, bool(extract_entities(text).order_ids))
            lookup = bank.lookup(text, neighbours)
            found.append((example, lookup, scores, rules_intent, detect_signals(text)))
    return found


def rules_trust(found: list[Probe]) -> dict[str, float]:
    """Per intent the rules engine names, how often it is right on the development train split
    (the regression set is left out: the rules were written against it)."""
    named: dict[str, list[bool]] = {}
    for example, _, scores, rules_intent, _ in found:
        if example.source == "development" and max(scores.values()) > 0:
            named.setdefault(rules_intent, []).append(rules_intent == example.intent)
    return {i: round((sum(v) + 1) / (len(v) + 2), 3) for i, v in sorted(named.items())}


def outcomes(
    found: list[Probe], weights: VoteWeights, trust: dict[str, float] | None
) -> list[tuple[float, bool]]:
    results = []
    for example, lookup, scores, rules_intent, signals in found:
        decided = vote(lookup, scores, rules_intent, signals, weights, trust)
        results.append((decided.raw, decided.intent == example.intent))
    return results


def calibrate(results: list[tuple[float, bool]]) -> tuple[list[float], list[float], list[int]]:
    """Buckets (merged until each has MIN_BUCKET tickets), then pooled to be monotone."""
    buckets: list[list[bool]] = [[] for _ in EDGES]
    for raw, ok in results:
        buckets[max(i for i, edge in enumerate(EDGES) if raw >= edge)].append(ok)
    edges: list[float] = []
    groups: list[list[bool]] = []
    for edge, bucket in zip(EDGES, buckets, strict=True):
        if groups and len(groups[-1]) < MIN_BUCKET:
            groups[-1] += bucket
        else:
            edges.append(edge)
            groups.append(list(bucket))
    if len(groups) > 1 and len(groups[-1]) < MIN_BUCKET:
        groups[-2] += groups.pop()
        edges.pop()
    pools = [[sum(g), len(g)] for g in groups]
    members = [[i] for i in range(len(groups))]
    i = 0
    while i < len(pools) - 1:
        if pools[i][0] / max(pools[i][1], 1) > pools[i + 1][0] / max(pools[i + 1][1], 1):
            pools[i] = [pools[i][0] + pools[i + 1][0], pools[i][1] + pools[i + 1][1]]
            members[i] += members.pop(i + 1)
            pools.pop(i + 1)
            i = max(i - 1, 0)
        else:
            i += 1
    accuracy = [0.0] * len(groups)
    for pool, member in zip(pools, members, strict=True):
        for index in member:
            accuracy[index] = round(pool[0] / max(pool[1], 1), 3)
    return edges, accuracy, [len(g) for g in groups]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--search", action="store_true", help="also try a grid of weights")
    args = parser.parse_args(argv)
    examples = default_examples()
    base = VoteWeights()
    found = probes(examples, 15)
    trust = rules_trust(found)
    if args.search:
        grid = itertools.product(
            [5, 9, 15], [0.5, 1.0], [0.5, 1.0, 1.5], [0.4, 0.8, 1.2], [0.02, 0.04, 0.08]
        )
        scored = []
        for k, knn, centroid, rules, temperature in grid:
            weights = replace(
                base,
                neighbours=k,
                knn=knn,
                centroid=centroid,
                rules=rules,
                centroid_temperature=temperature,
            )
            results = outcomes(found, weights, trust)
            scored.append((sum(ok for _, ok in results) / len(results), weights))
        for share, weights in sorted(scored, key=lambda s: -s[0])[:5]:
            print(f"cv_accuracy={share:.3f} {weights}")
    results = outcomes(found, base, trust)
    edges, accuracy, sizes = calibrate(results)
    cv_accuracy = sum(ok for _, ok in results) / len(results)
    CALIBRATION_FILE.write_text(
        json.dumps(
            {
                "weights": str(base),
                "cv_accuracy": round(cv_accuracy, 3),
                "examples": len(examples),
                "edges": edges,
                "accuracy": accuracy,
                "tickets": sizes,
                "rules_trust": trust,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"current weights cv_accuracy={cv_accuracy:.3f} over {len(examples)} examples")
    for edge, acc, size in zip(edges, accuracy, sizes, strict=True):
        print(f"  raw >= {edge:.2f}: accuracy {acc:.2f} ({size} tickets)")


if __name__ == "__main__":
    main()
