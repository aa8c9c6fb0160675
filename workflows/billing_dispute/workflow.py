"""BillingDisputeWorkflow: one customer's billing complaint, from their Stripe history to an
adjustment made once and an itemised answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import (
        CaseState,
        CustomerContext,
        CustomerReply,
        RecordedDecision,
    )
    from policies.billing_discrepancies import Discrepancy, find_discrepancies
    from policies.billing_dispute import (
        AdjustmentVerdict,
        BillingDisputePolicy,
        cumulative_since,
        decide_adjustment,
        look_back_since,
    )
    from policies.billing_history import BilledCharge, BillingHistory
    from policies.dispute_refind import RecordedBilling, billing_record
    from workflows.billing_dispute import replies
    from workflows.billing_dispute.approval import AdjustmentApproval
    from workflows.billing_dispute.contract import (
        BILLING_DISPUTE_WORKFLOW,
        Adjustment,
        BillingDisputeOutcome,
        BillingDisputeRequest,
        BillingDisputeStatus,
    )
    from workflows.billing_dispute.details import dispute_details, dispute_search_attributes
    from workflows.billing_dispute.facts import (
        adjustment_record,
        bounded,
        charges_now,
        less_paid_meanwhile,
        load_history,
        load_policy,
        nothing_found_record,
        open_dispute_case,
        order_totals,
        prior_in_window,
    )
    from workflows.billing_dispute.holds import hold_orders
    from workflows.billing_dispute.money import adjust_each
    from workflows.billing_dispute.outcome import listed, record_dispute_outcome
    from workflows.case.contract import (
        DECIDE_APPROVAL_UPDATE,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
    )
    from workflows.case.failures import CaseStop, failure_reason
    from workflows.case.money_hold import MoneyHold
    from workflows.case.record import CaseRecord, opened_status
    from workflows.refund.replies import with_card_notice


# The charges are read again after an approval, so money paid back meanwhile is not paid twice.
RECHECK_AFTER_APPROVAL_PATCH = "billing-dispute-recheck-after-approval"


@workflow.defn(name=BILLING_DISPUTE_WORKFLOW)
class BillingDisputeWorkflow:
    """Answers a billing complaint: reads the customer's charges, invoices and subscriptions
    from Stripe over the policy's look-back window, finds what was charged wrongly with the
    discrepancy rules, lets the billing policy decide (a person approves above its auto-adjust
    limit), refunds or credits each wrong charge exactly once, and tells the customer, item by
    item, what was charged, what was wrong and what was done."""

    @workflow.init
    def __init__(self, request: BillingDisputeRequest) -> None:
        self._request = request
        self._holds: list[MoneyHold] = []
        self._policy_version: str | None = None
        self._customer: CustomerContext | None = None
        self._history: BillingHistory | None = None
        self._billing: RecordedBilling | None = None  # what the findings were computed from
        self._status = opened_status(
            BillingDisputeStatus,
            ticket_id=request.ticket_id,
            customer_id=request.customer_id,
            order_id=request.order_id,
        )
        self._record = CaseRecord(
            self._status,
            search_attributes=lambda state: dispute_search_attributes(self._status, state),
            details=lambda: dispute_details(self._status),
        )
        self._approval = AdjustmentApproval(request, self._status, self._record)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> BillingDisputeStatus:
        return self._status

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    async def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        return await self._approval.decide(decision)

    @decide_approval.validator
    def _validate_decision(self, decision: ApprovalDecision) -> None:
        self._approval.validate(decision)

    @workflow.run
    async def run(self, request: BillingDisputeRequest) -> BillingDisputeOutcome:
        self._record.set_state("evaluating")
        try:
            policy, self._policy_version = await load_policy()
            self._status.policy_version = self._policy_version
            self._customer = customer = await open_dispute_case(request)
            self._history = history = await load_history(
                customer, look_back_since(policy, workflow.now())
            )
            self._status.charges_reviewed = len(history.charges)
            if request.complaint == "unrecognised_charge" and policy.unrecognised_charge == (
                "escalate"
            ):
                raise CaseStop(
                    "escalated",
                    "The customer does not recognise a charge, which may be fraud; the policy "
                    "sends it to a person with the billing history. Nothing was changed.",
                )
            totals = await order_totals(history, customer.customer_id)
            self._billing = billing_record(history, totals, policy.rules, policy.look_back_days)
            findings = find_discrepancies(history, totals, policy.rules)
            if not findings:
                outcome = await self._nothing_found(policy)
            else:
                outcome = await self._put_right(policy, customer, findings)
        except CaseStop as stop:
            outcome = await self._finish(stop.state, stop.reason, self._escalation_reply())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def _nothing_found(self, policy: BillingDisputePolicy) -> BillingDisputeOutcome:
        self._decided(
            "nothing_found",
            f"No discrepancy in the history; policy: {policy.nothing_found}.",
            nothing_found_record(policy, self._request, workflow.now(), self._billing),
        )
        if policy.nothing_found == "escalate":
            raise CaseStop(
                "escalated", "No billing error was found; the policy sends the case to a person."
            )
        return await self._finish(
            "resolved",
            "No billing error found; the customer got the itemised charges.",
            self._reply(
                lambda name: replies.nothing_wrong(self._request.ticket_id, name, self._charges())
            ),
        )

    async def _put_right(
        self,
        policy: BillingDisputePolicy,
        customer: CustomerContext,
        findings: list[Discrepancy],
    ) -> BillingDisputeOutcome:
        for finding in findings:
            self._record.note("rules", f"found:{finding.kind}", finding.explanation)
        # Appended one by one, so holds taken before a refusal are still released.
        await hold_orders(self._holds, self._request.ticket_id, policy, customer, findings)
        now = workflow.now()
        states = await charges_now(findings, cumulative_since(policy, now))
        findings = bounded(findings, states)
        self._status.findings = findings
        amount = sum(f.excess_cents for f in findings)
        if amount == 0:
            raise CaseStop("escalated", "What was charged wrongly has already been refunded.")
        prior = prior_in_window(states, self._history, cumulative_since(policy, now))
        in_flight = sum(hold.in_flight_cents for hold in self._holds)
        decision = decide_adjustment(policy, amount, prior, in_flight)
        self._status.amount_cents = amount
        self._status.currency = findings[0].currency
        self._decided(
            decision.rule,
            decision.reason,
            adjustment_record(
                policy, self._request, decision, findings, prior, in_flight, self._billing, states
            ),
        )
        approval_id: str | None = None
        if decision.verdict is AdjustmentVerdict.NEEDS_APPROVAL:
            assert self._policy_version is not None
            approval_id = await self._approval.ask_and_wait(
                policy, self._policy_version, decision, findings, customer
            )
            gate = self._approval.gate
            if gate.status != "approved":
                return await self._not_approved(findings)
            if workflow.patched(RECHECK_AFTER_APPROVAL_PATCH):
                after = await charges_now(findings, cumulative_since(policy, now))
                findings = self._status.findings = less_paid_meanwhile(findings, states, after)
                if not findings:
                    raise CaseStop(
                        "escalated",
                        "Approved, but the wrong charges were paid back while the approval "
                        "waited. No money moved.",
                    )
        self._record.set_state("refunding")
        made: list[Adjustment] = []
        try:
            await adjust_each(
                self._request,
                policy,
                findings,
                self._stripe_customer_id,
                approval_id,
                made,
                self._status,
                self._record,
            )
        except ActivityError as err:
            done = f" Already made: {listed(made)}." if made else " No money moved."
            raise CaseStop(
                "escalated", f"The adjustment could not be made: {failure_reason(err)}.{done}"
            ) from None
        return await self._finish(
            "resolved",
            f"Adjusted {listed(made)}.",
            self._reply(
                lambda name: replies.adjusted(
                    self._request.ticket_id, name, self._charges(), findings, made
                )
            ),
            made,
        )

    async def _not_approved(self, findings: Sequence[Discrepancy]) -> BillingDisputeOutcome:
        gate = self._approval.gate
        if gate.status == "rejected" and gate.rejection is not None:
            reason = gate.rejection.reason
            state: CaseState = "rejected"
            why = f"Rejected by {gate.rejection.approver}" + (f": {reason}" if reason else "")
        else:
            state, why = "expired", "Approval expired without a decision; escalated to a person."
        return await self._finish(
            state,
            f"{why} Nothing was adjusted.",
            self._reply(
                lambda name: replies.not_adjusted(
                    self._request.ticket_id,
                    name,
                    findings,
                    "our billing team has to review the adjustment first.",
                )
            ),
        )

    def _decided(self, rule: str, reason: str, recorded: RecordedDecision) -> None:
        self._status.decision_rule = rule
        self._status.decision_reason = reason
        self._record.note("policy", f"policy:{rule}", reason, recorded)

    def _stripe_customer_id(self) -> str:
        # Findings come from the history, which has a Stripe customer whenever it has charges.
        assert self._history is not None and self._history.stripe_customer_id is not None
        return self._history.stripe_customer_id

    def _charges(self) -> list[BilledCharge]:
        return self._history.charges if self._history else []

    def _reply(self, build: Callable[[str], CustomerReply]) -> CustomerReply | None:
        """The reply to the customer; None for an unknown customer (a person takes over)."""
        if self._customer is None:
            return None
        return with_card_notice(build(self._customer.name), self._request.card_data_removed)

    def _escalation_reply(self) -> CustomerReply | None:
        return self._reply(lambda name: replies.with_a_person(self._request.ticket_id, name))

    async def _finish(
        self,
        state: CaseState,
        resolution: str,
        reply: CustomerReply | None,
        made: Sequence[Adjustment] = (),
    ) -> BillingDisputeOutcome:
        self._status.resolution = resolution
        if state != "expired":
            self._status.pending_approval = None
        self._record.set_state(state)
        self._record.note("workflow", f"case_{state}", resolution)
        await record_dispute_outcome(
            self._request,
            state=state,
            resolution=resolution,
            policy_version=self._policy_version,
            customer=self._customer,
            audit=self._record.take_audit(),
            reply=reply,
            made=made,
        )
        # After the outcome is recorded, so the next case on these orders counts this one.
        for hold in self._holds:
            await hold.release()
        return BillingDisputeOutcome(
            ticket_id=self._request.ticket_id,
            state=state,
            resolution=resolution,
            findings=self._status.findings,
            adjustments=list(made),
            policy_version=self._policy_version,
        )
