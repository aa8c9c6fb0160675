"""The plain-text scan reaches every history on a time-skipping server, which cannot list them:
the run a client started, the runs it continued from, and the children it started. A name
written without the codec is found in each; with the codec, none."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.codec.personal_data import personal_strings, scan_histories
from tests.codec.started_workflows import StartedWorkflows
from tests.conftest import TEST_SERVER
from worker.data_converter import data_converter, plain_data_converter


@workflow.defn(name="ScanProbeChild", sandboxed=False)
class ScanProbeChild:
    @workflow.run
    async def run(self, text: str) -> str:
        return text.upper()


@workflow.defn(name="ScanProbeParent", sandboxed=False)
class ScanProbeParent:
    @workflow.run
    async def run(self, text: str, rounds: int) -> str:
        if rounds > 0:
            workflow.continue_as_new(args=[text, rounds - 1])
        return await workflow.execute_child_workflow(
            ScanProbeChild.run,
            text,
            id=f"{workflow.info().workflow_id}-child",
            execution_timeout=timedelta(minutes=1),
        )


async def _scan_after_one_case(converter: DataConverter, text: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    started = StartedWorkflows()
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        data_converter=converter,
        interceptors=[started],
    )
    try:
        task_queue = f"scan-{uuid.uuid4().hex[:8]}"
        async with Worker(
            env.client, task_queue=task_queue, workflows=[ScanProbeParent, ScanProbeChild]
        ):
            result = await env.client.execute_workflow(
                ScanProbeParent.run, args=[text, 1], id="scan-probe", task_queue=task_queue
            )
        assert result == text.upper()
        return await scan_histories(env.client, started.ids)
    finally:
        await env.shutdown()


async def test_a_plain_text_name_is_found_in_every_run_and_child() -> None:
    name = next(s for s in personal_strings() if " " in s)  # a demo customer's full name
    runs, leaks = await _scan_after_one_case(plain_data_converter(), f"refund for {name}")
    assert runs == 3  # the first run, the run it continued as, the child
    assert len(leaks) == 3
    assert all(name in found for found in leaks.values())
    assert {key.split("/")[0] for key in leaks} == {"scan-probe", "scan-probe-child"}


async def test_encrypted_histories_are_clean() -> None:
    name = next(s for s in personal_strings() if " " in s)
    runs, leaks = await _scan_after_one_case(data_converter(), f"refund for {name}")
    assert runs == 3
    assert leaks == {}
