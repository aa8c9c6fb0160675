"""The example bank: labelled tickets that triage votes over, and where they come from.

Three kinds of example: the regression set (`evals/tickets.jsonl`), the train split of the
development set (`evals/dev_tickets.jsonl`; its test split is never in the bank), and examples
people saved from reviews — a correction of a ticket's intent. Saved examples come from any
`LabelledExampleSource` (the CRM's `labelled_examples` table when the CRM has one, or a
`SavedExampleFile`), are read again when they are older than `refresh_seconds`, and take part in
the very next vote: a correction changes routing without a code change or a restart.

A source that cannot be read keeps the examples last read: triage never fails because the
example table is unreachable.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from integrations.example_bank_index import VectorIndex
from policies.triage_schema import INTENTS, Intent

log = logging.getLogger(__name__)

EVALS = Path(__file__).resolve().parents[1] / "evals"
REGRESSION_SET = EVALS / "tickets.jsonl"
DEVELOPMENT_SET = EVALS / "dev_tickets.jsonl"


@dataclass(frozen=True)
class LabelledExample:
    """One ticket with its right intent. `group` ties together variants of one sentence, so a
    held-out estimate can leave the whole group out."""

    example_id: str
    subject: str
    text: str
    intent: Intent
    source: str
    group: str

    @property
    def ticket_text(self) -> str:
        return f"{self.subject}\n{self.text}".strip()


class LabelledExampleSource(Protocol):
    """Anything that lists saved examples: `CrmStore.list_labelled_examples()` or a file.
    Records may be objects or mappings with `subject`, `body` (or `text`) and `intent`."""

    def list_labelled_examples(self) -> Sequence[Any]: ...


def _field(record: Any, *names: str) -> Any:
    for name in names:
        value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
        if value is not None:
            return value
    return None


def saved_example(record: Any) -> LabelledExample | None:
    """A saved record as an example; None when it names no known intent or has no text."""
    intent = _field(record, "intent", "corrected_intent", "label", "expected_intent")
    subject = str(_field(record, "subject") or "")
    body = str(_field(record, "body", "text") or "")
    if intent not in INTENTS or not (subject or body).strip():
        return None
    key = str(_field(record, "example_id", "id", "ticket_id") or f"{subject}\n{body}")
    return LabelledExample(f"saved:{key}", subject, body, intent, "saved", f"saved:{key}")


def load_examples(
    path: Path, source: str, splits: Iterable[str] | None = None
) -> list[LabelledExample]:
    """Examples from an eval-set JSONL file; `splits` keeps only those (dev set: `train`)."""
    keep = set(splits) if splits is not None else None
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if keep is not None and row.get("split") not in keep:
            continue
        case_id = str(row["id"])
        group = case_id.split("-")[1] if case_id.startswith("d-") else case_id
        examples.append(
            LabelledExample(
                case_id, row["subject"], row["text"], row["expected_intent"], source, group
            )
        )
    return examples


def default_examples(regression: bool = True, development: bool = True) -> list[LabelledExample]:
    """The built-in bank: the regression set and the development set's train split."""
    examples = load_examples(REGRESSION_SET, "regression") if regression else []
    if development:
        examples += load_examples(DEVELOPMENT_SET, "development", splits=["train"])
    return examples


class ExampleBank:
    """Built-in examples plus saved ones, indexed for nearest-neighbour lookups."""

    def __init__(
        self,
        examples: Sequence[LabelledExample],
        source: LabelledExampleSource | None = None,
        refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._builtin = list(examples)
        self._source = source
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._saved: list[LabelledExample] = []
        self._read_at: float | None = None
        self._state = self._build([])
        self.sync()

    def _build(self, saved: list[LabelledExample]) -> tuple[list[LabelledExample], VectorIndex]:
        examples = [*self._builtin, *saved]
        return examples, VectorIndex(
            [e.ticket_text for e in examples], [e.intent for e in examples]
        )

    @property
    def examples(self) -> list[LabelledExample]:
        return self._state[0]

    def sync(self, force: bool = False) -> bool:
        """Read saved examples again when stale; True when the bank changed."""
        if self._source is None:
            return False
        now = self._clock()
        fresh = self._read_at is not None and now - self._read_at < self._refresh_seconds
        if fresh and not force:
            return False
        with self._lock:
            # Another thread may have read while this one waited for the lock.
            if not force and self._read_at is not None and self._read_at > now:
                return False
            self._read_at = self._clock()
            try:
                records = self._source.list_labelled_examples()
            except Exception:
                log.exception("saved triage examples could not be read; keeping the last ones")
                return False
            saved = [e for e in map(saved_example, records) if e is not None]
            if saved == self._saved:
                return False
            # One assignment of (examples, index): a concurrent lookup sees the old pair or the
            # new one, never an index over another list.
            self._state, self._saved = self._build(saved), saved
            log.info("example bank rebuilt with %d saved examples", len(saved))
            return True

    def lookup(self, text: str, k: int, leave_out: frozenset[str] = frozenset()) -> BankLookup:
        """The k most similar examples (best first; `leave_out` names groups to skip) and the
        ticket's similarity to each intent's centroid."""
        examples, index = self._state
        skip = [i for i, e in enumerate(examples) if e.group in leave_out] if leave_out else []
        found = index.search(text, k, skip)
        return BankLookup(
            neighbours=[(examples[n.position], n.similarity) for n in found.neighbours],
            centroids=found.centroids,
        )


@dataclass(frozen=True)
class BankLookup:
    neighbours: list[tuple[LabelledExample, float]]
    centroids: dict[str, float]
