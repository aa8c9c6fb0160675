"""`supportflow replay`: a history recorded by one version of a workflow, replayed against a
deliberately changed version, must fail loudly (exit 1); against the same code it passes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.cli.conftest import invoke
from tests.cli.probe_workflows import ProbeV1, ProbeV2, probe_step
from worker import replay


@pytest.fixture
async def probe_workflow_id(dev_server_env: WorkflowEnvironment, task_queue: str) -> str:
    """A completed ProbeV1 run on the dev server."""
    workflow_id = f"probe-{uuid.uuid4().hex[:8]}"
    async with Worker(
        dev_server_env.client, task_queue=task_queue, workflows=[ProbeV1], activities=[probe_step]
    ):
        await dev_server_env.client.execute_workflow(
            ProbeV1.run, "x", id=workflow_id, task_queue=task_queue
        )
    return workflow_id


def _code_under_test(monkeypatch: pytest.MonkeyPatch, workflow_class: type) -> None:
    # Stands in for "the workflows in this checkout" (worker_app.WORKFLOWS in production).
    monkeypatch.setattr(replay, "case_workflows", lambda: [workflow_class])


async def test_unchanged_code_replays(
    cli_env: None, probe_workflow_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code_under_test(monkeypatch, ProbeV1)
    result = await invoke("replay", "--workflow-id", probe_workflow_id)
    assert result.exit_code == 0, result.output
    assert f"Replayed {probe_workflow_id}" in result.stdout and "deterministic" in result.stdout


async def test_changed_code_is_nondeterministic(
    cli_env: None, probe_workflow_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code_under_test(monkeypatch, ProbeV2)
    result = await invoke("replay", "--workflow-id", probe_workflow_id)
    assert result.exit_code == 1, result.output
    assert "NONDETERMINISTIC" in result.stderr
    assert "workflow.patched()" in result.stderr
    assert "Traceback" not in result.output


async def test_history_file_replays_offline(
    cli_env: None,
    probe_workflow_id: str,
    dev_server_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    history = await dev_server_env.client.get_workflow_handle(probe_workflow_id).fetch_history()
    path = tmp_path / f"{probe_workflow_id}.json"
    path.write_text(history.to_json())
    # No server needed for a file: point Temporal nowhere to prove it.
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")

    _code_under_test(monkeypatch, ProbeV1)
    assert (await invoke("replay", "--history-file", str(path))).exit_code == 0
    _code_under_test(monkeypatch, ProbeV2)
    changed = await invoke("replay", "--history-file", str(path))
    assert changed.exit_code == 1
    assert "NONDETERMINISTIC" in changed.stderr


async def test_replay_needs_exactly_one_source(cli_env: None, tmp_path: Path) -> None:
    neither = await invoke("replay")
    assert neither.exit_code == 2
    assert "exactly one of --workflow-id or --history-file" in neither.stderr
    missing = await invoke("replay", "--history-file", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2


async def test_unknown_workflow_id_is_exit_1(cli_env: None) -> None:
    result = await invoke("replay", "--workflow-id", f"ticket-{uuid.uuid4().hex}")
    assert result.exit_code == 1
    assert "cannot fetch history" in result.stderr


async def test_default_registry_is_the_worker_s_workflows() -> None:
    from worker.worker_app import WORKFLOWS

    assert replay.case_workflows() == list(WORKFLOWS)
