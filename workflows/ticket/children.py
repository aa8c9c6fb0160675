"""Running a registered process as a ticket's child: routed by triage, or handed back by a
person. Its outcome is the case's; a failed child goes to a person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio import workflow
from temporalio.exceptions import ChildWorkflowError

with workflow.unsafe.imports_passed_through():
    from activities.models import CaseState
    from policies.triage_schema import TriageResult
    from workflows.case.failures import failure_reason
    from workflows.case.process_spec import ProcessSpec
    from workflows.refund.contract import RefundOutcome
    from workflows.ticket.contract import TicketOutcome, TicketRequest
    from workflows.ticket.endings import TicketEndings


CHILD_ESCALATION_PATCH = "child-escalation-opens-handoff"


class TicketChildren(TicketEndings):
    # The hand-off (review.py) is how a failed child reaches a person.
    _escalate: Callable[..., Awaitable[TicketOutcome]]

    async def _run_child(
        self,
        child: ProcessSpec,
        request: TicketRequest,
        child_id: str,
        next_step: str,
        *,
        triage: TriageResult | None = None,
        audit_step: str = "routed",
    ) -> TicketOutcome:
        """Runs a registered process as this case's child; its outcome is the case's."""
        process = child.name
        assert child.from_ticket is not None
        self._status.process = process
        self._status.process_workflow_id = child_id
        self._tried(f"Started {child.workflow_name} as {child_id}")
        await self._write_audit(audit_step)
        self._record.set_state("in_process")
        try:
            outcome = await workflow.execute_child_workflow(
                child.workflow_name,
                child.from_ticket(request, triage or self._triage),
                id=child_id,
                result_type=child.outcome,
            )
        except ChildWorkflowError as err:
            self._tried(f"{child.workflow_name} failed: {failure_reason(err)}")
            return await self._escalate(f"The {process} process failed.", next_step)
        resolution = getattr(outcome, "resolution", f"{process} process finished")
        state: CaseState = getattr(outcome, "state", "resolved")
        if state == "escalated" and workflow.patched(CHILD_ESCALATION_PATCH):
            # The process gave up and told the customer a person would follow up: the ticket's
            # hand-off is where that person works it (the customer is not told twice).
            self._tried(f"{child.workflow_name} needs a person: {resolution}")
            return await self._escalate(
                f"The {process} process needs a person: {resolution}",
                next_step,
                customer_told=True,
            )
        self._record.set_state(state)
        return TicketOutcome(
            ticket_id=self._request.ticket_id,
            state=state,
            route="start_process",
            resolution=resolution,
            process_workflow_id=child_id,
            process_outcome=outcome if isinstance(outcome, RefundOutcome) else None,
        )
