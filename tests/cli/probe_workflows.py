"""Two versions of one tiny workflow, for replay tests. Kept in their own module with nothing but
Temporal imports, because the workflow sandbox re-imports the module that defines a workflow."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow

PROBE = "ReplayProbe"


@activity.defn(name="probe_step")
async def probe_step(note: str) -> str:
    return f"done: {note}"


@workflow.defn(name=PROBE)
class ProbeV1:
    @workflow.run
    async def run(self, note: str) -> str:
        return await workflow.execute_activity(
            probe_step, note, start_to_close_timeout=timedelta(seconds=10)
        )


@workflow.defn(name=PROBE)
class ProbeV2:
    """The "careless deploy": a timer inserted before the activity, without workflow.patched."""

    @workflow.run
    async def run(self, note: str) -> str:
        await workflow.sleep(timedelta(seconds=1))
        return await workflow.execute_activity(
            probe_step, note, start_to_close_timeout=timedelta(seconds=10)
        )
