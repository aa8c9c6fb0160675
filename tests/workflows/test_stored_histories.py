"""Replays histories recorded from real runs against the current workflow code.

A change that makes any of them nondeterministic needs `workflow.patched`. Re-record with
`SUPPORTFLOW_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows` only when the change is meant
to apply to new cases only and old histories keep replaying under the patch.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker.worker_app import WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_required_histories_are_stored() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"refund_auto_approved", "refund_approved", "refund_rejected"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_stored_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
