"""Handing a case back to automation, as a person instructs within the routing policy: send
their reply, start a registered process (its own policy and approvals decide any money; the
person who handed back is its requester, so they cannot approve it), or ask the customer a
question (reminded and closed like a clarifying question; the answer comes back to the person).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import CustomerContext
    from policies.identity import canonical_person_id
    from workflows.case.contract import process_workflow_id
    from workflows.case.customer_input import CustomerInputStep, InputQuestion
    from workflows.registry import process_named
    from workflows.ticket import replies as ticket_replies
    from workflows.ticket.children import TicketChildren
    from workflows.ticket.contract import TicketOutcome
    from workflows.ticket.review_contract import HandbackInstruction
    from workflows.ticket.review_records import ReviewBase


class TicketHandback(ReviewBase, TicketChildren):
    _input: CustomerInputStep[str]
    _body: str
    _customer: CustomerContext | None

    async def _carry_out_handback(
        self, instruction: HandbackInstruction, step: str
    ) -> TicketOutcome | None:
        """The case's outcome when the hand-back ends it (a process ran, the customer never
        answered); None when the hand-off continues (the answer is back with the person) or a
        reply was handed back to be sent."""
        if instruction.kind == "send_reply":
            return None
        await self._record_handoff(step)
        if instruction.kind == "start_process":
            return await self._start_for_person(instruction)
        answer = await self._ask_for_person(instruction.question or "")
        review = self._review
        if answer is None:
            review.state, review.ending = "handed_back", "closed"
            await self._record_handoff(f"{step}:unanswered")
            return await self._close_unanswered()
        review.customer_answers.append(answer)
        review.state = "claimed" if review.claimed_by else "waiting"
        self._body = f"{self._body}\n\n{answer}"
        self._record.set_state("escalated")
        await self._record_handoff(f"{step}:answered")
        return None

    async def _start_for_person(self, instruction: HandbackInstruction) -> TicketOutcome:
        review = self._review
        process = instruction.process or ""
        spec = process_named(process)
        assert spec is not None, "the desk only accepts registered processes"
        request = self._request.model_copy(
            update={
                "order_id": instruction.order_id or self._request.order_id,
                "requested_by": canonical_person_id(review.resolved_by or "person"),
            }
        )
        child_id = (
            f"{process_workflow_id(workflow.info().workflow_id, process)}"
            f"-handoff-{review.handoff_id[:8]}"
        )
        next_step = f"{process} started by {review.resolved_by} failed; take it over again."
        return await self._run_child(spec, request, child_id, next_step, audit_step=child_id)

    async def _ask_for_person(self, question: str) -> str | None:
        rules, ticket_id = self._policy.clarification, self._request.ticket_id
        name = self._customer.name if self._customer else None
        remaining = rules.close_after_hours - rules.reminder_after_hours

        def waiting() -> None:
            self._tried(f"{self._review.claimed_by or 'A person'} asked the customer a question")
            self._record.set_state("awaiting_customer")

        return await self._input.ask(
            InputQuestion(
                key=f"handoff-question:{self._review.handoff_id}",
                message=ticket_replies.clarifying_question(ticket_id, name, question),
                reminder_key=f"handoff-reminder:{self._review.handoff_id}",
                reminder=ticket_replies.reminder(ticket_id, name, question, remaining),
                remind_after_hours=rules.reminder_after_hours,
                close_after_hours=rules.close_after_hours,
            ),
            on_waiting=waiting,
            on_reminded=lambda: self._tried("Reminded the customer of the person's question"),
        )
