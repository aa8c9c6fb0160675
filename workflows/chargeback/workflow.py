"""ChargebackWorkflow: one Stripe dispute, from the first event to won or lost on record."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.dispute_models import (
        ChargebackEvidence,
        DisputeInfo,
        GatherEvidenceInput,
    )
    from activities.disputes import DisputeActivities
    from activities.models import (
        CustomerContext,
        ProcessPolicyInput,
    )
    from activities.policy import PolicyActivities
    from integrations.stripe_disputes import CLOSED_STATUSES
    from policies.chargeback import (
        ChargebackPolicy,
        DisputeFacts,
        deadlines,
        default_action,
        recommend,
    )
    from workflows.case.approval_gate import ApprovalGate
    from workflows.case.approval_step import ApprovalStep
    from workflows.case.contract import (
        DECIDE_APPROVAL_UPDATE,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
    )
    from workflows.case.failures import failure_reason
    from workflows.case.money_hold import MoneyHold, OrderTaken
    from workflows.case.options import READ_OPTIONS, RECORD_OPTIONS
    from workflows.case.record import CaseRecord, opened_status
    from workflows.chargeback.contract import (
        CHARGEBACK_WORKFLOW,
        DISPUTE_EVENT_SIGNAL,
        ChargebackOutcome,
        ChargebackRequest,
        ChargebackStatus,
        DisputeEvent,
        chargeback_ticket_id,
    )
    from workflows.chargeback.details import chargeback_details, chargeback_search_attributes
    from workflows.chargeback.facts import open_chargeback_case, read_dispute
    from workflows.chargeback.outcome import record_chargeback_outcome, resolution_of
    from workflows.chargeback.response import answer_dispute
    from workflows.chargeback.review import chosen_action, review_request

Action = Literal["contest", "accept"]
# A hold outlives the review (due_by is at most weeks away) and the bank's decision.
HOLD_HOURS = 24 * 120
# Without a closing event (a lost webhook), Stripe is asked again this often.
RECHECK_CLOSED_EVERY = timedelta(days=7)


@workflow.defn(name=CHARGEBACK_WORKFLOW)
class ChargebackWorkflow:
    """Answers one chargeback before its deadline: reads the dispute from Stripe, gathers
    evidence from our records, recommends contest or accept by policy, asks a person with a
    countdown to the evidence due date (reminder, escalation, then the policy's default action so
    the deadline is never missed), submits the evidence or accepts exactly once, then waits for
    the bank's decision and records won or lost with the funds moved."""

    @workflow.init
    def __init__(self, request: ChargebackRequest) -> None:
        self._request = request
        self._ticket = chargeback_ticket_id(request.dispute_id)
        self._status = opened_status(
            ChargebackStatus, ticket_id=self._ticket, customer_id="", order_id=None
        )
        self._status.customer_id = None
        self._status.dispute_id = request.dispute_id
        self._record = CaseRecord(
            self._status,
            search_attributes=lambda state: chargeback_search_attributes(self._status, state),
            details=lambda: chargeback_details(self._status, workflow.now()),
        )
        self._gate = ApprovalGate()
        self._hold = MoneyHold("chargeback", self._ticket)
        self._seen: set[str] = set()
        self._closed_by_event: str | None = None

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> ChargebackStatus:
        return self._status

    @workflow.signal(name=DISPUTE_EVENT_SIGNAL)
    def on_dispute_event(self, event: DisputeEvent) -> None:
        """Each event once, in whatever order: Stripe retries and reorders deliveries."""
        if event.event_id in self._seen or event.dispute_id != self._request.dispute_id:
            return
        self._seen.add(event.event_id)
        self._status.events_seen.append(event.type)
        self._record.note("stripe", event.type, f"{event.event_id} ({event.status})")
        if event.type == "charge.dispute.closed" and event.status in CLOSED_STATUSES:
            self._closed_by_event = event.status

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        receipt = self._gate.apply(decision, workflow.now())
        self._record.note(decision.approver, decision.decision, decision.reason or "")
        self._status.pending_approval = self._gate.pending
        return receipt

    @decide_approval.validator
    def _validate_decision(self, decision: ApprovalDecision) -> None:
        self._gate.validate(decision, workflow.now())

    @workflow.run
    async def run(self, request: ChargebackRequest) -> ChargebackOutcome:
        self._record.set_state("evaluating")
        document = await workflow.execute_local_activity_method(
            PolicyActivities.load_process_policy, ProcessPolicyInput(name="chargeback"),
            **READ_OPTIONS,
        )  # fmt: skip
        policy = ChargebackPolicy.model_validate(document.data)
        self._status.policy_version = version = document.version_tag
        dispute = await read_dispute(self._request, self._status, self._record)
        evidence = await workflow.execute_activity_method(
            DisputeActivities.gather_chargeback_evidence,
            GatherEvidenceInput(
                dispute_id=dispute.dispute_id,
                charge_id=dispute.charge_id,
                amount_cents=dispute.amount_cents,
                currency=dispute.currency,
                refund_policy_text=policy.refund_policy_text,
                cancellation_policy_text=policy.cancellation_policy_text,
            ),
            summary="Gather evidence from our records",
            **READ_OPTIONS,
        )
        self._status.evidence_fields = sorted(evidence.fields)
        self._status.order_id = evidence.order_id
        self._status.customer_id = evidence.customer_id
        customer = await open_chargeback_case(self._ticket, dispute, evidence, self._record)
        if dispute.respondable:
            await self._respond(policy, version, dispute, evidence, customer)
        else:
            self._record.note("stripe", "not_respondable", f"dispute is {dispute.status}")
        final = await self._wait_for_decision()
        return await self._finish(final, version, policy)

    # -- the response ------------------------------------------------------------------------

    async def _respond(
        self,
        policy: ChargebackPolicy,
        version: str,
        dispute: DisputeInfo,
        evidence: ChargebackEvidence,
        customer: CustomerContext | None,
    ) -> None:
        assert dispute.due_by is not None
        advice = recommend(
            policy,
            DisputeFacts(
                reason=dispute.reason,
                amount_cents=dispute.amount_cents,
                evidence_fields=sorted(evidence.fields),
                order_found=evidence.order_id is not None,
                customer_refund_count=customer.recent_refund_count if customer else 0,
            ),
        )
        s = self._status
        s.recommended_action, s.decision_rule, s.decision_reason = (
            advice.action, advice.rule, advice.reason,
        )  # fmt: skip
        self._record.note("policy", f"recommend:{advice.action}", f"{advice.rule}: {advice.reason}")
        times = deadlines(policy, dispute.due_by, workflow.now())
        s.decide_by = times.decide_by
        fallback = default_action(policy, advice.action)
        await self._hold_order(dispute, evidence)
        ask = review_request(
            workflow_id=workflow.info().workflow_id,
            request_id=str(workflow.uuid4()),
            dispute=dispute,
            evidence=evidence,
            customer=customer,
            policy=policy,
            policy_version=version,
            recommendation=advice,
            deadlines=times,
            default_action=fallback,
        )
        self._gate.open(ask.pending)
        s.pending_approval = ask.pending
        self._record.set_state("awaiting_approval")
        await workflow.execute_activity_method(
            CrmActivities.record_approval_request,
            ask.record.model_copy(update={"audit": self._record.take_audit()}),
            summary="Record the review request",
            **RECORD_OPTIONS,
        )
        step = ApprovalStep(self._gate, ask.notice, self._record.note)
        await step.run(times.remind_at, times.decide_by, policy.escalation, times.escalate_at)
        action, by = chosen_action(self._gate.status, advice.action, fallback)
        s.action, s.action_by = action, by  # type: ignore[assignment]
        self._record.note(by, f"chosen:{action}", f"review {self._gate.status}")
        await self._carry_out(action, evidence)  # type: ignore[arg-type]

    async def _hold_order(self, dispute: DisputeInfo, evidence: ChargebackEvidence) -> None:
        """The disputed amount counts as money in flight on the order while the case runs; a
        refund case already holding it cannot stop a chargeback, so that is only noted."""
        if evidence.order_id is None or evidence.customer_id is None:
            return
        try:
            await self._hold.take(
                order_id=evidence.order_id,
                customer_id=evidence.customer_id,
                amount_cents=dispute.amount_cents,
                stale_after_hours=HOLD_HOURS,
            )
        except OrderTaken as taken:
            self._record.note("workflow", "order_held_elsewhere", taken.holder_ticket_id)

    async def _carry_out(self, action: Action, evidence: ChargebackEvidence) -> None:
        self._record.set_state("in_process")
        try:
            result = await answer_dispute(action, self._request.dispute_id, evidence.fields)
        except ActivityError as err:
            # Non-retryable only: someone answered in the Dashboard, or the dispute closed.
            self._record.note("stripe", f"{action}_failed", failure_reason(err))
            return
        self._status.dispute_status = result.status
        self._record.note(
            "stripe",
            "evidence_submitted" if action == "contest" else "dispute_accepted",
            result.status + (" (found existing)" if result.found_existing else ""),
        )

    # -- the bank's decision -----------------------------------------------------------------

    async def _wait_for_decision(self) -> DisputeInfo:
        """Until Stripe reports the dispute closed: by event, or on a periodic re-read."""
        self._record.set_state("in_process")
        while True:
            dispute = await read_dispute(self._request, self._status, self._record)
            if dispute.status in CLOSED_STATUSES:
                return dispute
            try:
                await workflow.wait_condition(
                    lambda: self._closed_by_event is not None,
                    timeout=RECHECK_CLOSED_EVERY,
                    timeout_summary="re-read the dispute",
                )
            except TimeoutError:
                continue
            self._closed_by_event = None

    async def _finish(
        self, dispute: DisputeInfo, version: str, policy: ChargebackPolicy
    ) -> ChargebackOutcome:
        s = self._status
        s.resolution, s.pending_approval = resolution_of(dispute), None
        self._record.set_state("resolved")
        self._record.note("workflow", "case_resolved", s.resolution)
        await record_chargeback_outcome(
            dispute,
            ticket_id=self._ticket,
            customer_id=s.customer_id,
            order_id=s.order_id,
            resolution=s.resolution,
            policy_version=version,
            audit=self._record.take_audit(),
            channel=policy.review.slack_channel,
        )
        await self._hold.release()
        return ChargebackOutcome(
            dispute_id=dispute.dispute_id,
            state="resolved",
            resolution=s.resolution,
            dispute_status=dispute.status,
            action=s.action,
            action_by=s.action_by,
            funds_cents=sum(dispute.funds_cents),
            policy_version=version,
        )
