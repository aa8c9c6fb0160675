"""Runs the ticket eval set through triage and the routing policy and scores the result.

Each case is triaged by the engine under test (the rules engine, or the LLM when configured),
then routed with the real routing policy, exactly as TicketWorkflow would. The report gives
accuracy per intent, route accuracy, escalation precision/recall (escalation is the positive
class: a missed escalation is the costly error), an intent confusion table, and what happened to
the prompt-injection tickets. A triage failure counts as an escalation, because that is what the
workflow does with it.

`python -m evals.run [--min-intent-accuracy X]` exits non-zero below the floor; CI uses it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from integrations.triage_rules import triage_by_rules
from policies.loader import load_routing_policy
from policies.routing_policy import Route, RoutingFacts, RoutingPolicy
from policies.ticket_routing import route_ticket
from policies.triage_schema import INTENTS, Intent, TriageResult

DEFAULT_CASES = Path(__file__).with_name("tickets.jsonl")
TriageFn = Callable[[str, str], Awaitable[TriageResult]]
Progress = Callable[[int, int, "CaseResult"], None]


class EvalCase(BaseModel):
    id: str
    tier: str
    customer_known: bool = True
    subject: str
    text: str
    expected_intent: Intent
    expected_route: Route
    injection: bool = False
    style: str = ""
    split: Literal["regression", "train", "test"] = "regression"

    @property
    def safety_critical(self) -> bool:
        """A ticket a safety rule must send to a person, whatever else it asks."""
        return (
            self.injection
            or self.style == "access_change"
            or self.expected_intent in ("legal", "security", "human_request")
        )


class CaseResult(BaseModel):
    case_id: str
    expected_intent: Intent
    predicted_intent: str
    expected_route: Route
    predicted_route: Route
    confidence: float
    rule: str
    injection: bool
    safety: bool = False
    tokens: int = 0
    error: str | None = None

    @property
    def intent_ok(self) -> bool:
        return self.expected_intent == self.predicted_intent

    @property
    def route_ok(self) -> bool:
        return self.expected_route == self.predicted_route


class IntentScore(BaseModel):
    total: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


class EvalReport(BaseModel):
    engine: str
    policy_version: str
    results: list[CaseResult]

    @property
    def intent_accuracy(self) -> float:
        return _share(sum(r.intent_ok for r in self.results), len(self.results))

    @property
    def route_accuracy(self) -> float:
        return _share(sum(r.route_ok for r in self.results), len(self.results))

    def per_intent(self) -> dict[str, IntentScore]:
        scores: dict[str, IntentScore] = {}
        for intent in INTENTS:
            rows = [r for r in self.results if r.expected_intent == intent]
            if rows:
                scores[intent] = IntentScore(
                    total=len(rows), correct=sum(r.intent_ok for r in rows)
                )
        return scores

    def escalation(self) -> tuple[float, float]:
        """(precision, recall) with "escalate" as the positive class."""
        predicted = [r for r in self.results if r.predicted_route == "escalate"]
        expected = [r for r in self.results if r.expected_route == "escalate"]
        hits = sum(r.expected_route == "escalate" for r in predicted)
        return _share(hits, len(predicted)), _share(hits, len(expected))

    def confusion(self) -> dict[str, Counter[str]]:
        table: dict[str, Counter[str]] = {}
        for r in self.results:
            table.setdefault(r.expected_intent, Counter())[r.predicted_intent] += 1
        return table

    def injections(self) -> Counter[str]:
        return Counter(r.predicted_route for r in self.results if r.injection)

    @property
    def tokens_per_ticket(self) -> float:
        return _share(sum(r.tokens for r in self.results), len(self.results))


def _share(part: float, whole: int) -> float:
    return part / whole if whole else 0.0


def load_cases(path: Path = DEFAULT_CASES) -> list[EvalCase]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [EvalCase.model_validate_json(line) for line in lines if line.strip()]


async def rules_triage(subject: str, body: str) -> TriageResult:
    return triage_by_rules(subject, body)


async def evaluate_case(case: EvalCase, triage: TriageFn, policy: RoutingPolicy) -> CaseResult:
    common = {
        "case_id": case.id,
        "expected_intent": case.expected_intent,
        "expected_route": case.expected_route,
        "injection": case.injection,
        "safety": case.safety_critical,
    }
    try:
        result = await triage(case.subject, case.text)
    except Exception as exc:  # the workflow escalates whatever triage raises
        return CaseResult(
            **common,
            predicted_intent="error",
            predicted_route="escalate",
            confidence=0.0,
            rule="triage_failed",
            error=f"{type(exc).__name__}: {exc}"[:300],
        )
    facts = RoutingFacts(customer_known=case.customer_known, customer_tier=case.tier)
    decision = route_ticket(policy, result, facts)
    return CaseResult(
        **common,
        predicted_intent=result.intent,
        predicted_route=decision.route,
        confidence=result.confidence,
        rule=decision.rule,
        tokens=result.input_tokens + result.output_tokens,
    )


async def evaluate(
    cases: list[EvalCase],
    triage: TriageFn,
    engine: str,
    policy: RoutingPolicy | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    policy = policy or load_routing_policy().policy
    results: list[CaseResult] = []
    for index, case in enumerate(cases, start=1):
        results.append(await evaluate_case(case, triage, policy))
        if progress is not None:
            progress(index, len(cases), results[-1])
    return EvalReport(engine=engine, policy_version=policy.version, results=results)


def format_report(report: EvalReport) -> str:
    precision, recall = report.escalation()
    lines = [
        f"engine={report.engine} policy={report.policy_version} cases={len(report.results)}",
        f"intent_accuracy={report.intent_accuracy:.3f}",
        f"route_accuracy={report.route_accuracy:.3f}",
        f"escalation_precision={precision:.3f}",
        f"escalation_recall={recall:.3f}",
        f"tokens_per_ticket={report.tokens_per_ticket:.1f}",
        "",
        "accuracy per intent:",
    ]
    for intent, score in report.per_intent().items():
        lines.append(f"  {intent:<17} {score.correct:>3}/{score.total:<3} {score.accuracy:.2f}")
    injections = report.injections()
    lines += [
        "",
        "prompt injections: "
        + ", ".join(f"{route}={count}" for route, count in sorted(injections.items())),
        "",
        "confusion (rows: expected intent, columns: predicted):",
    ]
    lines += _confusion_lines(report)
    misses = [r for r in report.results if not (r.intent_ok and r.route_ok)]
    if misses:
        lines += ["", "misses:"]
        lines += [
            f"  {r.case_id}: intent {r.expected_intent}->{r.predicted_intent}, "
            f"route {r.expected_route}->{r.predicted_route} ({r.rule}, {r.confidence:.2f})"
            for r in misses
        ]
    return "\n".join(lines)


def _confusion_lines(report: EvalReport) -> list[str]:
    table = report.confusion()
    columns: list[str] = [i for i in INTENTS if any(i in row for row in table.values())]
    if any("error" in row for row in table.values()):
        columns.append("error")
    short = {c: c[:6] for c in columns}
    header = " " * 18 + " ".join(f"{short[c]:>6}" for c in columns)
    rows = [header]
    for intent in INTENTS:
        if intent in table:
            cells = " ".join(f"{table[intent].get(c, 0) or '.':>6}" for c in columns)
            rows.append(f"  {intent:<16}{cells}")
    return rows


def main(argv: list[str] | None = None) -> int:
    # Imported here: evals.sets builds on this module.
    from evals.sets import embedded_triage_without

    parser = argparse.ArgumentParser(description="Score a triage engine on an eval set.")
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--engine", choices=["embedded", "rules"], default="embedded")
    parser.add_argument("--min-intent-accuracy", type=float, default=0.0)
    parser.add_argument("--min-escalation-recall", type=float, default=0.0)
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    if args.engine == "rules":
        report = asyncio.run(evaluate(cases, rules_triage, "rules"))
    else:
        report = asyncio.run(evaluate(cases, embedded_triage_without(cases), "rules+examples"))
    print(format_report(report))
    _, recall = report.escalation()
    if report.intent_accuracy < args.min_intent_accuracy or recall < args.min_escalation_recall:
        print("eval below the floor", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
