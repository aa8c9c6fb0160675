"""TicketWorkflow: a ticket that names no process finds its path here."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import CustomerContext
    from integrations.knowledge.models import citations_for
    from policies.loader import RoutingPolicySnapshot
    from policies.routing_policy import RouteDecision, RoutingFacts
    from policies.ticket_routing import answer_delivery, route_ticket
    from policies.triage_schema import TriageResult
    from workflows.case.contract import STATUS_QUERY
    from workflows.case.customer_input import CustomerInputStep, InputQuestion
    from workflows.case.failures import failure_reason
    from workflows.case.record import CaseRecord, opened_status
    from workflows.registry import process_named
    from workflows.search_attributes import INTENT
    from workflows.ticket import replies as ticket_replies
    from workflows.ticket.contract import (
        CUSTOMER_REPLY_UPDATE,
        TICKET_WORKFLOW,
        AnswerSummary,
        CustomerReplyInput,
        ReplyReceipt,
        TicketOutcome,
        TicketRequest,
        TicketStatus,
    )
    from workflows.ticket.details import ticket_details, ticket_search_attributes
    from workflows.ticket.lookups import (
        child_workflow_id,
        draft_cited_answer,
        load_routing_policy,
        open_ticket_case,
        search_help_center,
        triage_text,
    )
    from workflows.ticket.review import TicketReview
    from workflows.ticket.review_desk import HandoffDesk


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow(TicketReview):
    """Handles one incoming ticket: reads the customer, triages the text, and follows the routing
    policy to start a process as a child workflow, answer from the help center with citations,
    ask the customer for a missing detail and wait for the reply, or hand the ticket to a person
    with everything they need. Nothing in the ticket text can set an amount, an approver or a
    policy; the status query always says which route was taken and why. A hand-off stays open
    until a person ends it (workflows/ticket/review.py)."""

    @workflow.init
    def __init__(self, request: TicketRequest) -> None:
        self._request = request
        self._body = request.body
        self._input: CustomerInputStep[str] = CustomerInputStep(self._message)
        self._customer: CustomerContext | None = None
        self._snapshot: RoutingPolicySnapshot | None = None
        self._triage: TriageResult | None = None
        self._decision: RouteDecision | None = None
        self._desk = HandoffDesk()
        self._action_count = 0
        self._status = opened_status(
            TicketStatus,
            ticket_id=request.ticket_id,
            customer_id=request.customer_id,
            order_id=request.order_id,
        )
        self._record = CaseRecord(
            self._status,
            search_attributes=lambda state: ticket_search_attributes(self._status, state),
            details=lambda: ticket_details(self._status),
        )

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> TicketStatus:
        return self._status

    @workflow.update(name=CUSTOMER_REPLY_UPDATE)
    def customer_reply(self, reply: CustomerReplyInput) -> ReplyReceipt:
        if self._takes_message_for_person():
            round_ = self._add_message_for_person(reply.text)
        else:
            round_ = self._input.accept(reply.text)
        if reply.card_data_removed and not self._request.card_data_removed:
            # Only data changes (no command), so replay is unaffected. Every later reply, this
            # workflow's and the process child's (built from the request), carries the notice.
            self._request = self._request.model_copy(update={"card_data_removed": True})
        self._record.note("customer", "replied", f"via {reply.channel}")
        return ReplyReceipt(accepted=True, state=self._status.state, round=round_)

    @customer_reply.validator
    def _validate_reply(self, reply: CustomerReplyInput) -> None:
        if not self._takes_message_for_person():
            self._input.validate(reply.text)

    @property
    def _rounds(self) -> int:
        return self._status.clarification_rounds

    @workflow.run
    async def run(self, request: TicketRequest) -> TicketOutcome:
        self._snapshot = await load_routing_policy()
        self._status.routing_policy_version = self._snapshot.version_tag
        self._customer = await self._open_case()
        self._record.set_state("evaluating")
        while True:
            triage = await self._triage_ticket()
            if triage is None:
                return await self._escalate(
                    "Triage failed, so the ticket could not be classified safely.",
                    "Read the ticket and route it by hand.",
                )
            decision = self._route(triage)
            if decision.route != "clarify":
                break
            reply = await self._ask_and_wait(decision)
            if reply is None:
                return await self._close_unanswered()
            self._body = f"{self._body}\n\n{reply}"
        if decision.route == "start_process":
            return await self._start_process(decision, triage)
        if decision.route == "answer":
            return await self._answer(decision, triage)
        return await self._escalate(decision.reason, decision.recommended_next_step)

    async def _open_case(self) -> CustomerContext | None:
        try:
            return await open_ticket_case(self._request)
        except ActivityError as err:
            self._tried(f"Looked the customer up in the CRM: {failure_reason(err)}")
            return None

    async def _triage_ticket(self) -> TriageResult | None:
        try:
            triage = await triage_text(self._request, self._body)
        except ActivityError as err:
            self._tried(f"Triage failed: {failure_reason(err)}")
            return None
        self._triage = triage
        self._status.triage = triage
        self._status.intent = triage.intent
        self._record.note(
            "supportflow", "triaged", f"{triage.intent} ({triage.confidence:.2f}, {triage.engine})"
        )
        self._note_llm_usage("triage", triage.input_tokens, triage.output_tokens, triage.engine)
        workflow.upsert_search_attributes([INTENT.value_set(triage.intent)])
        self._tried(f"Triaged by {triage.engine}: {triage.intent} ({triage.confidence:.2f})")
        return triage

    def _note_llm_usage(self, step: str, spent_in: int, spent_out: int, engine: str) -> None:
        """Tokens in the audit trail, where the outcomes report prices them. An audit note adds
        no command, so histories recorded before it still replay."""
        if spent_in or spent_out:
            self._record.note(
                "supportflow", "llm_usage", f"{step} {spent_in}+{spent_out} ({engine})"
            )

    def _route(self, triage: TriageResult) -> RouteDecision:
        customer = self._customer
        facts = RoutingFacts(
            customer_known=customer is not None,
            customer_tier=customer.tier if customer else None,
            order_id=self._request.order_id,
            clarification_rounds=self._rounds,
        )
        decision = route_ticket(self._policy, triage, facts)
        self._decision = decision
        self._status.route = decision.route
        self._status.route_reason = decision.reason
        self._status.route_decision = decision
        self._record.note(
            "supportflow", f"routed:{decision.route}", f"{decision.rule}: {decision.reason}"
        )
        workflow.logger.info(
            "Ticket %s routed to %s: %s", self._request.ticket_id, decision.route, decision.reason
        )
        return decision

    async def _ask_and_wait(self, decision: RouteDecision) -> str | None:
        """Asks the clarifying question, reminds once, and gives up after the policy's timeout."""
        r, rules = self._request, self._policy.clarification
        name = self._customer.name if self._customer else None
        question = decision.clarifying_question or "Could you tell us a little more?"
        remaining = rules.close_after_hours - rules.reminder_after_hours

        def waiting() -> None:
            self._tried(f"Asked the customer: {', '.join(decision.missing) or 'more detail'}")
            self._status.awaiting_reply_since = workflow.now()
            self._record.set_state("awaiting_customer")

        def reminded() -> None:
            self._tried(f"Reminded the customer after {rules.reminder_after_hours:g} hours")

        reply = await self._input.ask(
            InputQuestion(
                key="clarify",
                message=ticket_replies.clarifying_question(r.ticket_id, name, question),
                reminder_key="reminder",
                reminder=ticket_replies.reminder(r.ticket_id, name, question, remaining),
                remind_after_hours=rules.reminder_after_hours,
                close_after_hours=rules.close_after_hours,
            ),
            on_waiting=waiting,
            on_reminded=reminded,
        )
        if reply is None:
            return None
        self._status.clarification_rounds += 1
        self._status.awaiting_reply_since = None
        self._record.set_state("evaluating")
        return reply

    async def _start_process(self, decision: RouteDecision, triage: TriageResult) -> TicketOutcome:
        process = decision.process or ""
        child = process_named(process)
        if child is None or child.from_ticket is None:
            return await self._escalate(
                f"The {process!r} process is not available on this worker.",
                decision.recommended_next_step,
            )
        next_step = decision.recommended_next_step
        return await self._run_child(
            child, self._request, child_workflow_id(process), next_step, triage=triage
        )

    async def _answer(self, decision: RouteDecision, triage: TriageResult) -> TicketOutcome:
        question = f"{self._request.subject}\n{self._body}".strip()
        found = await search_help_center(question, self._policy.knowledge.top_k)
        if not found.passages:
            self._tried("Searched the help center: no article matched")
            return await self._escalate(
                "No help-center article answers the question.", decision.recommended_next_step
            )
        self._tried(f"Searched the help center: best match '{found.passages[0].title}'")
        sources = citations_for(found.passages)
        try:
            answer = await draft_cited_answer(
                self._request,
                question,
                found.passages,
                self._customer.name if self._customer else "",
            )
        except ActivityError as err:
            self._tried(f"Drafting the answer failed: {failure_reason(err)}")
            return await self._escalate(
                "The answer could not be drafted.", decision.recommended_next_step, sources=sources
            )
        self._note_llm_usage("answer", answer.input_tokens, answer.output_tokens, answer.engine)
        delivery, why = answer_delivery(self._policy, decision, triage, answer.confidence)
        self._status.answer = AnswerSummary(
            confidence=answer.confidence,
            delivery=delivery,
            delivery_reason=why,
            engine=answer.engine,
            citations=answer.citations,
        )
        self._status.process = "knowledge"
        if delivery == "send":
            self._tried(f"Sent a cited answer ({answer.engine}): {why}")
            return await self._finish(
                "resolved", "answer", f"Answered from the help center. {why}", answer.reply
            )
        self._tried(f"Drafted an answer ({answer.engine}) held for review: {why}")
        return await self._escalate(
            f"The drafted answer needs review: {why}",
            "Check the draft against its sources, edit it if needed and send it to the customer.",
            sources=answer.citations,
            draft=answer.reply.body,
        )
