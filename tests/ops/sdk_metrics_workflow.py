"""A one-line workflow for the SDK-metrics test (its own module: the sandbox re-imports it)."""

from __future__ import annotations

from temporalio import workflow


@workflow.defn(name="OpsGreetCustomer")
class GreetCustomer:
    """Completes at once, so the SDK has a completed workflow to count."""

    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}"
