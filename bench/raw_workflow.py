"""Raw Temporal baselines with no-op activities, for the refund throughput benchmark.

`RawBaselineWorkflow` runs six regular no-op activities: the issue's baseline ("a raw workflow
with the same number of no-op activities"). `RawSameShapeWorkflow` mirrors RefundWorkflow's
kinds too (four local reads, two regular steps), so the second ratio isolates the cost of
supportflow's own work from the choice of local activities.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

READS = 4  # policy, customer, order, charge
STEPS = 2  # refund, record outcome
TIMEOUT = timedelta(seconds=15)


@activity.defn(name="bench_noop")
def noop(step: str) -> str:
    return step


@workflow.defn(name="RawBaselineWorkflow")
class RawBaselineWorkflow:
    """Six regular no-op activities, one after another."""

    @workflow.run
    async def run(self, case_id: str) -> str:
        for i in range(READS + STEPS):
            await workflow.execute_activity(noop, f"step-{i}", start_to_close_timeout=TIMEOUT)
        return case_id


@workflow.defn(name="RawSameShapeWorkflow")
class RawSameShapeWorkflow:
    """RefundWorkflow's auto-approve shape with no-op activities: 4 local, then 2 regular."""

    @workflow.run
    async def run(self, case_id: str) -> str:
        for i in range(READS):
            await workflow.execute_local_activity(noop, f"read-{i}", start_to_close_timeout=TIMEOUT)
        for i in range(STEPS):
            await workflow.execute_activity(noop, f"write-{i}", start_to_close_timeout=TIMEOUT)
        return case_id
