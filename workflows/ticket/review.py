"""The open hand-off: an escalated ticket waits for a person until they end it.

A person claims the hand-off, resolves it (what was done, the reply sent), reassigns it, sends,
edits or rejects the draft held for review, or hands the case back to automation. Actions are
`handoff_action` Updates validated by `HandoffDesk`; this loop carries them out in order, with
the SLA timers (review_sla.py) running meanwhile. After a person's resolution the case stays
open for the policy's reopen window, so a customer who comes back (`reopen`) continues the same
case and history; when the window passes the case closes as resolved.

Cases handed off before this existed close as escalated: `HANDOFF_STAYS_OPEN_PATCH` keeps their
histories replaying.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.ticket_models import HandoffPackage
    from integrations.knowledge.models import Citation
    from policies.identity import canonical_person_id
    from workflows.registry import PROCESSES
    from workflows.ticket import replies as ticket_replies
    from workflows.ticket.contract import TicketOutcome
    from workflows.ticket.review_card import handoff_card
    from workflows.ticket.review_contract import (
        HANDOFF_ACTION_UPDATE,
        HANDOFF_CARD_QUERY,
        REOPEN_UPDATE,
        HandoffAction,
        HandoffCard,
        HandoffReceipt,
        HandoffReview,
        ReopenReceipt,
        ReopenRequest,
    )
    from workflows.ticket.review_handback import TicketHandback
    from workflows.ticket.review_sla import TicketSla

HANDOFF_STAYS_OPEN_PATCH = "handoff-stays-open"


class TicketReview(TicketSla, TicketHandback):
    """The Updates, query and loop of a hand-off; `TicketWorkflow` inherits them."""

    _action_count: int

    @workflow.update(name=HANDOFF_ACTION_UPDATE)
    def handoff_action(self, action: HandoffAction) -> HandoffReceipt:
        receipt = self._desk.apply(action, workflow.now())
        detail = f"via {action.channel}: {action.note or receipt.message}"
        self._record.note(receipt.person, f"handoff_{action.action}", detail)
        return receipt

    @handoff_action.validator
    def _validate_handoff_action(self, action: HandoffAction) -> None:
        self._desk.validate(action)

    @workflow.update(name=REOPEN_UPDATE)
    def reopen(self, request: ReopenRequest) -> ReopenReceipt:
        reopens = self._desk.apply_reopen(request, workflow.now())
        self._record.note(request.requested_by, "reopened", f"via {request.channel}")
        return ReopenReceipt(
            ticket_id=self._request.ticket_id,
            handoff_id=self._review.handoff_id,
            reopens=reopens,
        )

    @reopen.validator
    def _validate_reopen(self, request: ReopenRequest) -> None:
        self._desk.validate_reopen(request, workflow.now())

    def _takes_message_for_person(self) -> bool:
        """While a person works the case, what the customer writes goes onto the card."""
        return not self._input.waiting and self._desk.workable

    def _add_message_for_person(self, text: str) -> int:
        self._review.customer_answers.append(text)
        self._body = f"{self._body}\n\n{text}"
        return len(self._review.customer_answers)

    @workflow.query(name=HANDOFF_CARD_QUERY)
    def handoff_card(self) -> HandoffCard:
        return handoff_card(self._request, self._status, self._desk.allowed_actions(), self._body)

    async def _escalate(
        self,
        reason: str,
        next_step: str,
        *,
        sources: list[Citation] | None = None,
        draft: str | None = None,
        customer_told: bool = False,
    ) -> TicketOutcome:
        package = self._handoff_package(reason, next_step, sources=sources, draft=draft)
        self._status.handoff = package
        await self._post(package, self._policy.handoff.slack_channel)
        if not workflow.patched(HANDOFF_STAYS_OPEN_PATCH):
            return await self._hand_to_person_and_close(package)
        if not customer_told:
            name = self._customer.name if self._customer else None
            notice = ticket_replies.person_taking_over(self._request.ticket_id, name)
            await self._message(f"handoff-notice:{package.handoff_id}", notice)
        self._open_review(package, reopens=0)
        while True:
            outcome = await self._until_person_done()
            if outcome is not None:
                return outcome
            reopen = await self._reopen_window()
            if reopen is None:
                return await self._close_resolved()
            await self._reopen_with(reopen)

    def _open_review(self, package: HandoffPackage, reopens: int) -> None:
        now = workflow.now()
        self._status.handoff = package
        review = HandoffReview(
            handoff_id=package.handoff_id,
            state="waiting",
            urgency=package.urgency,
            opened_at=now,
            reopened=reopens > 0,
            reopens=reopens,
            draft=package.draft_reply,
        )
        self._status.review = review
        self._desk.ticket_id = self._request.ticket_id
        registered = frozenset(n for n, spec in PROCESSES.items() if spec.from_ticket)
        self._desk.open(review, self._policy, registered)
        self._restart_sla()
        self._record.set_state("escalated")

    async def _until_person_done(self) -> TicketOutcome | None:
        """Carries out actions until the hand-off ends: None when a person resolved it or
        handed back a reply (the reopen window follows), else the case's outcome."""
        await self._record_handoff("opened", f"Handed to a person: {self._handoff_reason}")
        while True:
            try:
                await workflow.wait_condition(
                    lambda: bool(self._desk.queue),
                    timeout=self._until_sla_timer(),
                    timeout_summary="hand-off SLA",
                )
            except TimeoutError:
                await self._sla_timer_fired()
                continue
            action = self._desk.queue.pop(0)
            self._action_count += 1
            step = f"{action.action}:{self._action_count}"
            if action.action in ("claim", "reject", "reassign"):
                if action.assign_to_channel is not None and self._status.handoff is not None:
                    await self._post(self._status.handoff, action.assign_to_channel)
                await self._record_handoff(step)
                continue
            if action.action == "handback" and action.instruction is not None:
                outcome = await self._carry_out_handback(action.instruction, step)
                if outcome is not None:
                    return outcome
                if self._review.state != "handed_back":
                    self._restart_sla()  # the customer answered: the person's clock restarts
                    continue
            await self._send_person_reply()
            await self._record_handoff(step)
            return None

    async def _send_person_reply(self) -> None:
        reply = self._review.sent_reply
        if reply:
            message = ticket_replies.person_reply(self._request.ticket_id, reply)
            await self._message(f"handoff-reply:{self._review.handoff_id}", message)

    async def _reopen_window(self) -> ReopenRequest | None:
        review, hours = self._review, self._policy.handoff.reopen_window_hours
        if review.reopen_until is None:
            review.reopen_until = workflow.now() + timedelta(hours=hours)
        resolution = f"Resolved by {review.resolved_by}: {review.action_taken or review.ending}"
        self._status.resolution = resolution
        self._record.set_state("resolved")
        await self._record_handoff("resolved", resolution)
        try:
            await workflow.wait_condition(
                lambda: bool(self._desk.reopens),
                timeout=max(review.reopen_until - workflow.now(), timedelta(0)),
                timeout_summary="reopen window",
            )
        except TimeoutError:
            return None
        review.reopen_until = None  # one reopen at a time: the next waits for a resolution
        return self._desk.reopens.pop(0)

    async def _close_resolved(self) -> TicketOutcome:
        review = self._review
        review.reopen_until = None
        outcome = await self._finish(
            "resolved", self._status.route or "escalate", self._status.resolution or "", None
        )
        outcome.handoff_id = review.handoff_id
        return outcome

    async def _reopen_with(self, reopen: ReopenRequest) -> None:
        self._body = f"{self._body}\n\n{reopen.text}"
        previous = self._review
        package = self._handoff_package(
            f"The customer came back after {previous.resolved_by} resolved the ticket.",
            f"Read the customer's new message; {previous.resolved_by} resolved it last time.",
        )
        name = self._customer.name if self._customer else None
        reply = ticket_replies.reopened(self._request.ticket_id, name)
        await self._message(f"handoff-notice:{package.handoff_id}", reply)
        await self._post(package, self._policy.handoff.slack_channel)
        self._open_review(package, reopens=previous.reopens + 1)
        # The person who resolved it knows the case: it comes back to them first.
        if previous.resolved_by is not None:
            review = self._review
            review.claimed_by = canonical_person_id(previous.resolved_by)
            review.claimed_at, review.state = workflow.now(), "claimed"
