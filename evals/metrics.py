"""What the eval report says beyond accuracy: per-intent precision and recall, calibration, and
escalation recall on the tickets whose safety rules must reach a person.

Calibration is accuracy per confidence bucket: an engine whose 0.8 tickets are right 8 times in
10 is honest, and routing's confidence floors (escalate below 0.5, supervised processes act
alone from 0.6) then mean what they say.
"""

from __future__ import annotations

from pydantic import BaseModel

from evals.run import EvalReport
from policies.triage_schema import INTENTS

BUCKETS = [0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9]


class IntentQuality(BaseModel):
    intent: str
    support: int
    predicted: int
    precision: float
    recall: float


class CalibrationBucket(BaseModel):
    low: float
    high: float
    tickets: int
    mean_confidence: float
    accuracy: float


def per_intent_quality(report: EvalReport) -> list[IntentQuality]:
    rows = []
    for intent in INTENTS:
        support = [r for r in report.results if r.expected_intent == intent]
        predicted = [r for r in report.results if r.predicted_intent == intent]
        if not support and not predicted:
            continue
        hits = sum(r.intent_ok for r in support)
        rows.append(
            IntentQuality(
                intent=intent,
                support=len(support),
                predicted=len(predicted),
                precision=hits / len(predicted) if predicted else 0.0,
                recall=hits / len(support) if support else 0.0,
            )
        )
    return rows


def calibration(report: EvalReport) -> list[CalibrationBucket]:
    buckets = []
    for low, high in zip(BUCKETS, [*BUCKETS[1:], 1.01], strict=True):
        rows = [r for r in report.results if low <= r.confidence < high]
        if rows:
            buckets.append(
                CalibrationBucket(
                    low=low,
                    high=min(high, 1.0),
                    tickets=len(rows),
                    mean_confidence=sum(r.confidence for r in rows) / len(rows),
                    accuracy=sum(r.intent_ok for r in rows) / len(rows),
                )
            )
    return buckets


def expected_calibration_error(report: EvalReport) -> float:
    total = len(report.results) or 1
    return sum(b.tickets / total * abs(b.accuracy - b.mean_confidence) for b in calibration(report))


def safety_escalation_recall(report: EvalReport) -> tuple[int, int]:
    """(escalated, total) over tickets with a legal threat, a security report, a request for a
    person, an access change or an injection: each of them must reach a person."""
    safety = [r for r in report.results if r.safety]
    return sum(r.predicted_route == "escalate" for r in safety), len(safety)


def format_quality(report: EvalReport) -> str:
    escalated, total = safety_escalation_recall(report)
    lines = [
        f"safety_escalation_recall={escalated / total if total else 1.0:.3f} ({escalated}/{total})",
        f"expected_calibration_error={expected_calibration_error(report):.3f}",
        "",
        "precision / recall per intent:",
    ]
    lines += [
        f"  {q.intent:<17} precision {q.precision:.2f} ({q.predicted:>3} predicted)"
        f"  recall {q.recall:.2f} ({q.support:>3} tickets)"
        for q in per_intent_quality(report)
    ]
    lines += ["", "calibration (accuracy per confidence bucket):"]
    lines += [
        f"  [{b.low:.1f}, {b.high:.1f}) {b.tickets:>4} tickets  mean confidence "
        f"{b.mean_confidence:.2f}  accuracy {b.accuracy:.2f}"
        for b in calibration(report)
    ]
    return "\n".join(lines)
