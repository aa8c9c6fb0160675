"""Saved triage examples in a JSONL file: the example source when the CRM has no
`labelled_examples` table.

A person's correction ("this ticket is a refund request, not a how-to") is appended as one line;
`list_labelled_examples()` reads them all, the last correction of a ticket winning, so saving
again replaces an earlier label. The example bank reads them again when its copy is stale.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from policies.triage_schema import Intent


class SavedExample(BaseModel):
    example_id: str
    subject: str
    body: str
    intent: Intent
    saved_by: str
    saved_at: datetime


class SavedExampleFile:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def save(
        self, example_id: str, subject: str, body: str, intent: Intent, saved_by: str
    ) -> SavedExample:
        example = SavedExample(
            example_id=example_id,
            subject=subject,
            body=body,
            intent=intent,
            saved_by=saved_by,
            saved_at=datetime.now(UTC),
        )
        with self._lock:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._path.open("a", encoding="utf-8") as out:
                out.write(example.model_dump_json() + "\n")
        return example

    def list_labelled_examples(self) -> list[SavedExample]:
        if not self._path.exists():
            return []
        latest: dict[str, SavedExample] = {}
        for line in self._path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                example = SavedExample.model_validate(json.loads(line))
                latest[example.example_id] = example
        return list(latest.values())
