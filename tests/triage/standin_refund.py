"""A stand-in RefundWorkflow for routing tests: same name and contract, no side effects.

Its own module, importing nothing else, because the workflow sandbox re-imports a workflow's
module on every run.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundRequest


@workflow.defn(name=REFUND_WORKFLOW)
class StandInRefundWorkflow:
    """Finishes at once, or when signalled if the subject contains `[hold]`; ends escalated (a
    person must take over) if it contains `[escalate]`."""

    def __init__(self) -> None:
        self._released = False

    @workflow.signal
    def release(self) -> None:
        self._released = True

    @workflow.run
    async def run(self, request: RefundRequest) -> RefundOutcome:
        if "[hold]" in request.subject:
            await workflow.wait_condition(lambda: self._released)
        if "[escalate]" in request.subject:
            return RefundOutcome(
                ticket_id=request.ticket_id,
                state="escalated",
                resolution="the charge was disputed meanwhile",
            )
        return RefundOutcome(
            ticket_id=request.ticket_id,
            state="resolved",
            resolution=f"stand-in refund for {request.order_id}",
        )
