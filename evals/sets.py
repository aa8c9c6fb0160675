"""The eval sets `supportflow eval` reports, and the embedded engine each is scored with.

- `regression`: the 86-ticket regression set (`tickets.jsonl`) the rules were written against.
- `dev-test`: the test split of the development set (`dev_tickets.jsonl`), sentences the
  engine was never tuned on and the example bank never holds.

The embedded engine is scored with a bank that leaves out the tickets being scored: in
production the bank holds the regression set, but an engine that looks up the very ticket it is
asked about proves nothing.
"""

from __future__ import annotations

from pathlib import Path

from evals.run import DEFAULT_CASES, EvalCase, TriageFn, load_cases
from integrations.example_bank import ExampleBank, default_examples
from integrations.triage_engine import ExampleTriage, triage
from policies.triage_schema import TriageResult

DEV_CASES = Path(__file__).with_name("dev_tickets.jsonl")
SET_NAMES = ("regression", "dev-test")


def load_set(name: str) -> list[EvalCase]:
    if name == "regression":
        return load_cases(DEFAULT_CASES)
    if name == "dev-test":
        return [c for c in load_cases(DEV_CASES) if c.split == "test"]
    if name == "dev-train":
        return [c for c in load_cases(DEV_CASES) if c.split == "train"]
    raise ValueError(f"unknown eval set {name!r}; choose from {', '.join(SET_NAMES)}")


def engine_without(cases: list[EvalCase]) -> ExampleTriage:
    """The embedded engine over the built-in bank minus the tickets in `cases`."""
    held_out = {c.id for c in cases}
    return ExampleTriage(
        ExampleBank([e for e in default_examples() if e.example_id not in held_out])
    )


def embedded_triage_without(cases: list[EvalCase]) -> TriageFn:
    engine = engine_without(cases)

    async def run(subject: str, body: str) -> TriageResult:
        return engine.triage(subject, body)

    return run


async def embedded_triage(subject: str, body: str) -> TriageResult:
    """The embedded engine with the full built-in bank, as the worker runs it."""
    return triage(subject, body)
