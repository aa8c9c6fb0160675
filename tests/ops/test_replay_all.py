"""`supportflow replay --all --query ...`: before a deploy, the newest histories on the server
replay against the new code; one that diverges fails the command and is named."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.cli.conftest import cli_env, invoke
from tests.cli.probe_workflows import ProbeV1, ProbeV2, probe_step
from worker import replay

__all__ = ["cli_env"]


@pytest.fixture
async def probe_runs(dev_server_env: WorkflowEnvironment, task_queue: str) -> str:
    """Two completed ProbeV1 runs; returns the query that finds exactly them."""
    prefix = f"probe-all-{uuid.uuid4().hex[:8]}"
    client = dev_server_env.client
    async with Worker(client, task_queue=task_queue, workflows=[ProbeV1], activities=[probe_step]):
        for n in range(2):
            await client.execute_workflow(
                ProbeV1.run, f"n{n}", id=f"{prefix}-{n}", task_queue=task_queue
            )
    query = f'WorkflowId STARTS_WITH "{prefix}"'
    for _ in range(100):  # visibility is eventually consistent
        if (await client.count_workflows(query)).count == 2:
            break
        await asyncio.sleep(0.1)
    return query


async def test_replay_all_passes_on_unchanged_code(
    cli_env: None, probe_runs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "case_workflows", lambda: [ProbeV1])
    result = await invoke("replay", "--all", "--query", probe_runs)
    assert result.exit_code == 0, result.output
    assert "Replayed 2 executions matching" in result.stdout


async def test_replay_all_names_every_history_the_change_breaks(
    cli_env: None, probe_runs: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replay, "case_workflows", lambda: [ProbeV2])
    result = await invoke("replay", "--all", "--query", probe_runs)
    assert result.exit_code == 1, result.output
    assert "2 of 2 executions" in result.stderr
    assert result.stderr.count("NONDETERMINISTIC") == 2
    assert "Traceback" not in result.output


async def test_types_this_code_does_not_define_are_skipped(cli_env: None, probe_runs: str) -> None:
    """The real registry has no ReplayProbe: nothing to check those histories against."""
    result = await invoke("replay", "--all", "--query", probe_runs)
    assert result.exit_code == 0, result.output
    assert "Replayed 0 executions" in result.stdout


async def test_a_bad_query_is_a_usage_error(cli_env: None) -> None:
    result = await invoke("replay", "--all", "--query", "WorkflowType ==== nonsense")
    assert result.exit_code == 2, result.output
    assert "cannot list workflows" in result.stderr
