"""How a ticket's case ends: closed when the customer did not answer, or resolved, each
recording its outcome with the reply in the CRM; and the hand-off package with its post, which
the open hand-off (review.py) builds on.

`TicketWorkflow` inherits these; they read the state the workflow keeps.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import CaseState, CustomerContext, CustomerReply
    from activities.ticket_models import HandoffPackage
    from integrations.knowledge.models import Citation
    from policies.loader import RoutingPolicySnapshot
    from policies.routing_policy import Route, RouteDecision, RoutingPolicy
    from policies.triage_schema import TriageResult
    from workflows.case.failures import failure_reason
    from workflows.case.record import CaseRecord
    from workflows.ticket import replies as ticket_replies
    from workflows.ticket.contract import TicketOutcome, TicketRequest, TicketStatus
    from workflows.ticket.handoff import handoff_package
    from workflows.ticket.lookups import post_handoff
    from workflows.ticket.records import queue_message, record_ticket_outcome, write_audit


class TicketEndings:
    """The endings of a ticket's case and the records they write."""

    _request: TicketRequest
    _status: TicketStatus
    _record: CaseRecord
    _customer: CustomerContext | None
    _snapshot: RoutingPolicySnapshot | None
    _triage: TriageResult | None
    _decision: RouteDecision | None

    @property
    def _policy(self) -> RoutingPolicy:
        assert self._snapshot is not None, "the routing policy is loaded first"
        return self._snapshot.policy

    def _handoff_package(
        self,
        reason: str,
        next_step: str,
        *,
        sources: list[Citation] | None = None,
        draft: str | None = None,
    ) -> HandoffPackage:
        return handoff_package(
            handoff_id=str(workflow.uuid4()),
            workflow_id=workflow.info().workflow_id,
            request=self._request,
            triage=self._triage,
            route=self._decision,
            customer=self._customer,
            reason=reason,
            next_step=next_step,
            tried=self._status.tried,
            sources=sources or [],
            draft=draft,
            now=workflow.now(),
        )

    async def _post(self, package: HandoffPackage, channel: str | None) -> None:
        try:
            delivery = await post_handoff(package, channel)
            self._tried(f"Handed off to a person via {delivery.delivered_via}")
        except ActivityError as err:
            # The package is still in this workflow's status and history; the customer must
            # still hear that a person is taking over.
            self._tried(f"Posting the hand-off failed: {failure_reason(err)}")

    async def _hand_to_person_and_close(self, package: HandoffPackage) -> TicketOutcome:
        """How hand-offs ended before they stayed open: the case closes as escalated."""
        name = self._customer.name if self._customer else None
        outcome = await self._finish(
            "escalated",
            self._status.route or "escalate",
            f"Handed to a person: {package.reason}",
            ticket_replies.person_taking_over(self._request.ticket_id, name),
        )
        outcome.handoff_id = package.handoff_id
        return outcome

    async def _close_unanswered(self) -> TicketOutcome:
        hours = self._policy.clarification.close_after_hours
        self._tried(f"No reply within {hours:g} hours; ticket closed")
        name = self._customer.name if self._customer else None
        reply = ticket_replies.closed_without_reply(self._request.ticket_id, name)
        return await self._finish(
            "expired",
            "clarify",
            f"Closed: the customer did not reply within {hours:g} hours.",
            reply,
        )

    async def _finish(
        self, state: CaseState, route: Route | None, resolution: str, reply: CustomerReply | None
    ) -> TicketOutcome:
        r = self._request
        self._record.note("supportflow", state, resolution)
        await record_ticket_outcome(
            r,
            state=state,
            resolution=resolution,
            order_id=r.order_id or (self._triage.order_id if self._triage else None),
            policy_version=self._status.routing_policy_version,
            audit=self._record.take_audit(),
            reply=reply,
        )
        self._status.resolution = resolution
        self._record.set_state(state)
        return TicketOutcome(ticket_id=r.ticket_id, state=state, route=route, resolution=resolution)

    async def _message(self, key: str, reply: CustomerReply) -> None:
        await queue_message(self._request, key, reply)

    async def _write_audit(self, step: str) -> None:
        await write_audit(
            self._request, step, self._record.take_audit(), self._status.routing_policy_version
        )

    def _tried(self, step: str) -> None:
        self._status.tried.append(step)
