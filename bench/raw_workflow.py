"""A raw Temporal workflow with the refund workflow's shape but no-op activities: the baseline."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

LOCAL_READS = 4  # policy, customer, order, charge
REGULAR_STEPS = 2  # refund, record outcome


@activity.defn(name="bench_noop")
def noop(step: str) -> str:
    return step


@workflow.defn(name="RawBaselineWorkflow")
class RawBaselineWorkflow:
    """Same number and kinds of activities as RefundWorkflow's auto-approve path, doing nothing."""

    @workflow.run
    async def run(self, case_id: str) -> str:
        for i in range(LOCAL_READS):
            await workflow.execute_local_activity(
                noop, f"read-{i}", start_to_close_timeout=timedelta(seconds=15)
            )
        for i in range(REGULAR_STEPS):
            await workflow.execute_activity(
                noop, f"write-{i}", start_to_close_timeout=timedelta(seconds=15)
            )
        return case_id
