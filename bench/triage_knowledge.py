"""Triage and knowledge benchmark: rules-triage latency, help-center search latency, eval accuracy.

`python -m bench.triage_knowledge` prints key=value lines, including the LLM calls and (estimated)
tokens per ticket from `bench.llm_usage`: real TicketWorkflows against a loopback fake model.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench import llm_usage
from evals.run import evaluate, load_cases, rules_triage
from integrations.knowledge.helpcenter import load_help_center
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.triage_rules import triage_by_rules

DEMO_HELP_CENTER = Path(__file__).resolve().parent.parent / "demo" / "help-center"
ROUNDS = 20
BODY_CHARS = 20_000
# Bodies that made Python's backtracking `re` run for hours (issue 7), and an ordinary body of
# the same length: the ratio of the two, measured in one run, is the point.
ADVERSARIAL_BODIES = [
    "order" + " " * (BODY_CHARS - 6) + "x",
    ("order " * BODY_CHARS)[:BODY_CHARS],
    ("1-" * BODY_CHARS)[:BODY_CHARS],
    "#" * BODY_CHARS,
]
BENIGN_SENTENCE = "The desk lamp from order 5001 arrived broken, I would like a refund please. "


def _p50_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.3f}"


def _long_body_samples(bodies: list[str]) -> list[float]:
    samples: list[float] = []
    for _ in range(3):
        for body in bodies:
            start = time.perf_counter()
            triage_by_rules("Help", body)
            samples.append(time.perf_counter() - start)
    return samples


def main() -> dict[str, str]:
    cases = load_cases()
    adversarial = _long_body_samples(ADVERSARIAL_BODIES)
    benign = _long_body_samples([(BENIGN_SENTENCE * BODY_CHARS)[:BODY_CHARS]])
    triage_samples: list[float] = []
    for _ in range(ROUNDS):
        for case in cases:
            start = time.perf_counter()
            triage_by_rules(case.subject, case.text)
            triage_samples.append(time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        kb = SqliteKnowledgeBase(Path(tmp) / "knowledge.db")
        ingest_start = time.perf_counter()
        report = kb.ingest(load_help_center(DEMO_HELP_CENTER))
        ingest_s = time.perf_counter() - ingest_start
        search_samples: list[float] = []
        for _ in range(ROUNDS):
            for case in cases:
                start = time.perf_counter()
                kb.search(f"{case.subject}\n{case.text}", k=4)
                search_samples.append(time.perf_counter() - start)
    evaluation = asyncio.run(evaluate(cases, rules_triage, "rules"))
    precision, recall = evaluation.escalation()
    return {
        "triage_rules_ms_p50": _p50_ms(triage_samples),
        "triage_adversarial_20k_ms_p50": _p50_ms(adversarial),
        "triage_benign_20k_ms_p50": _p50_ms(benign),
        "kb_search_ms_p50": _p50_ms(search_samples),
        "kb_chunks": str(report.chunks),
        "kb_ingest_ms": f"{ingest_s * 1000:.1f}",
        "eval_cases": str(len(cases)),
        "eval_rules_accuracy": f"{evaluation.intent_accuracy:.3f}",
        "eval_rules_route_accuracy": f"{evaluation.route_accuracy:.3f}",
        "eval_rules_escalation_precision": f"{precision:.3f}",
        "eval_rules_escalation_recall": f"{recall:.3f}",
        **llm_usage.measure(),
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}", flush=True)
