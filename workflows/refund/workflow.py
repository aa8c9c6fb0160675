"""RefundWorkflow: one refund case for one ticket, from facts to money to reply."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import CaseState, ChargeState, CustomerContext, OrderInfo, RefundResult
    from policies.loader import PolicySnapshot
    from policies.refund_policy import RefundDecision, Verdict, cumulative_since
    from workflows.case.contract import (
        DECIDE_APPROVAL_UPDATE,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
    )
    from workflows.case.failures import CaseStop, failure_reason
    from workflows.case.money_hold import MoneyHold
    from workflows.case.record import CaseRecord, opened_status
    from workflows.refund.approval import RefundApproval
    from workflows.refund.chargeback_link import (
        LINK_CHARGEBACK_PATCH,
        charge_disputed,
        chargeback_resolution,
    )
    from workflows.refund.contract import (
        REFUND_WORKFLOW,
        RefundOutcome,
        RefundRequest,
        RefundStatus,
    )
    from workflows.refund.details import refund_details, refund_search_attributes
    from workflows.refund.facts import (
        decide_refund,
        load_charge,
        load_order,
        load_refund_policy,
        open_refund_case,
    )
    from workflows.refund.money import issue_refund
    from workflows.refund.order_hold import hold_order
    from workflows.refund.outcome import record_refund_outcome
    from workflows.refund.staff_refunds import STAFF_REFUND_SIGNAL, StaffRefundNotice, StaffRefunds


# Gates for command-order changes, so cases already running keep replaying.
TELL_APPROVERS_PATCH = "tell-approvers-when-no-refund"
MONEY_COUNTED_PATCH = "count-money-on-the-order"


@workflow.defn(name=REFUND_WORKFLOW)
class RefundWorkflow:
    """Refunds one ticket's order: reads the customer, order and charge from systems of record,
    lets the versioned refund policy decide, waits for human approval where the policy says,
    refunds exactly once, then records the outcome and queues the customer reply."""

    @workflow.init
    def __init__(self, request: RefundRequest) -> None:
        self._request = request
        self._hold = MoneyHold("refund", request.ticket_id)
        self._refunds_since: datetime | None = None
        self._status = opened_status(
            RefundStatus,
            ticket_id=request.ticket_id,
            customer_id=request.customer_id,
            order_id=request.order_id,
        )
        self._record = CaseRecord(
            self._status,
            search_attributes=lambda state: refund_search_attributes(
                self._status, request.customer_id, state
            ),
            details=lambda: refund_details(self._status),
        )
        self._approval = RefundApproval(
            request,
            self._status,
            self._record,
            redecide=self._decide,
            refunds_since=lambda: self._refunds_since,
        )
        self._staff = StaffRefunds(self._record)

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> RefundStatus:
        return self._status

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    async def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        return await self._approval.decide(decision)

    @workflow.signal(name=STAFF_REFUND_SIGNAL)
    def commerce_refund_recorded(self, notice: StaffRefundNotice) -> None:
        self._staff.receive(notice, self._approval.gate)

    @decide_approval.validator
    def _validate_decision(self, decision: ApprovalDecision) -> None:
        self._approval.validate(decision)

    @workflow.run
    async def run(self, request: RefundRequest) -> RefundOutcome:
        snapshot: PolicySnapshot | None = None
        customer: CustomerContext | None = None
        try:
            snapshot = await self._load_policy()
            customer = await open_refund_case(request, snapshot)
            order = await load_order(request)
            # Limits count what was already refunded on the order, and one money case per order
            # runs at a time, so that splitting a refund over tickets cannot avoid an approval.
            counted = workflow.patched(MONEY_COUNTED_PATCH)
            if counted:
                self._refunds_since = cumulative_since(
                    snapshot.policy, customer.tier, workflow.now()
                )
            charge = await load_charge(order, self._refunds_since)
            if counted:
                await hold_order(
                    self._hold, self._record, self._request, snapshot, customer, order, charge
                )
            decision = self._evaluate(snapshot, customer, order, charge)
            outcome = await self._carry_out(decision, snapshot, customer, order)
        except CaseStop as stop:
            outcome = await self._finish(
                stop.state, stop.reason, snapshot, customer, reply_kind="escalated"
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    # -- facts -------------------------------------------------------------------------------

    async def _load_policy(self) -> PolicySnapshot:
        self._record.set_state("evaluating")
        return await load_refund_policy()

    def _decide(
        self,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
        charge: ChargeState,
    ) -> RefundDecision:
        return decide_refund(snapshot, self._request, customer, order, charge, self._hold)[0]

    def _evaluate(
        self,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
        charge: ChargeState,
    ) -> RefundDecision:
        decision, noted = decide_refund(
            snapshot, self._request, customer, order, charge, self._hold
        )
        self._status.policy_version = snapshot.version_tag
        self._status.decision_rule = decision.rule
        self._status.decision_reason = decision.reason
        self._status.amount_cents = decision.amount_cents or None
        self._status.currency = charge.currency
        reason = f"{decision.rule}: {decision.reason}"
        self._record.note("policy", f"policy:{decision.verdict.value}", reason, noted)
        workflow.logger.info(
            "Policy %s decided %s (%s)", snapshot.version_tag, decision.verdict, decision.rule
        )
        return decision

    # -- decision ----------------------------------------------------------------------------

    async def _carry_out(
        self,
        decision: RefundDecision,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
    ) -> RefundOutcome:
        if decision.verdict is Verdict.DENY:
            return await self._finish(
                "denied", decision.reason, snapshot, customer, reply_kind="denied"
            )
        approval_id: str | None = None
        if decision.verdict is Verdict.NEEDS_APPROVAL and self._staff.refund is None:
            approval_id = await self._approval.ask_and_wait(decision, snapshot, customer, order)
            gate = self._approval.gate
            if gate.status == "rejected":
                rejection = gate.rejection
                reason = rejection.reason if rejection else None
                by = rejection.approver if rejection else "approver"
                return await self._finish(
                    "rejected",
                    f"Rejected by {by}" + (f": {reason}" if reason else ""),
                    snapshot,
                    customer,
                    reply_kind="rejected",
                    reviewer_reason=reason,
                )
            if gate.status == "expired":
                return await self._finish(
                    "expired",
                    "Approval expired without a decision; escalated to support leads. No refund.",
                    snapshot,
                    customer,
                    reply_kind="escalated",
                )
            if gate.status == "superseded" and self._staff.refund is None:
                raise CaseStop(
                    "escalated",
                    "Approved, but the refund can no longer follow: "
                    f"{gate.superseded_reason}. No refund was made.",
                )
        if self._staff.refund is not None:
            resolution, refund = self._staff.resolution(), self._staff.refund
            if self._approval.step is not None:  # approvers must not approve a paid refund
                await self._approval.step.tell_no_money_moved(resolution)
            return await self._finish(
                "resolved", resolution, snapshot, customer, reply_kind="refunded", refund=refund
            )
        if self._hold.current is not None:
            # Renewing right before paying also tells a case whose stale hold was taken over.
            charge = await load_charge(order, self._refunds_since)
            await hold_order(
                self._hold, self._record, self._request, snapshot, customer, order, charge
            )
        try:
            refund = await self._issue_refund(decision, order, approval_id, snapshot)
        except ActivityError as err:
            # Only non-retryable failures get here (declined, over-refund, auth): no money moved.
            reason = f"The refund could not be issued: {failure_reason(err)}"
            step = self._approval.step
            if step is not None and workflow.patched(TELL_APPROVERS_PATCH):
                await step.tell_no_money_moved(failure_reason(err))
            disputed = order.charge_id if charge_disputed(err) else None
            if disputed and workflow.patched(LINK_CHARGEBACK_PATCH):
                linked = await chargeback_resolution(disputed)
                return await self._finish(
                    "denied", linked, snapshot, customer, reply_kind="disputed"
                )
            raise CaseStop("escalated", reason) from None
        return await self._finish(
            "resolved",
            f"Refunded {refund.amount_cents} {refund.currency} ({refund.refund_id}).",
            snapshot,
            customer,
            reply_kind="refunded",
            refund=refund,
        )

    async def _issue_refund(
        self,
        decision: RefundDecision,
        order: OrderInfo,
        approval_id: str | None,
        snap: PolicySnapshot,
    ) -> RefundResult:
        self._record.set_state("refunding")
        self._staff.money_moved = True
        currency = self._status.currency or order.currency
        refund = await issue_refund(
            self._request, decision, order, currency, approval_id, snap.policy
        )
        self._status.refund_id = refund.refund_id
        self._record.note(
            "billing",
            "refund_issued",
            f"{refund.refund_id} {refund.amount_cents} {refund.currency}"
            + (" (found existing)" if refund.found_existing else ""),
        )
        return refund

    # -- records -----------------------------------------------------------------------------

    async def _finish(
        self,
        state: CaseState,
        resolution: str,
        snapshot: PolicySnapshot | None,
        customer: CustomerContext | None,
        *,
        reply_kind: str,
        refund: RefundResult | None = None,
        reviewer_reason: str | None = None,
    ) -> RefundOutcome:
        self._status.resolution = resolution
        self._status.pending_approval = (
            None if state != "expired" else self._status.pending_approval
        )
        self._record.set_state(state)
        self._record.note("workflow", f"case_{state}", resolution)
        outcome = await record_refund_outcome(
            self._request,
            state=state,
            resolution=resolution,
            policy_version=snapshot.version_tag if snapshot else None,
            customer=customer,
            audit=self._record.take_audit(),
            reply_kind=reply_kind,
            refund=refund,
            reviewer_reason=reviewer_reason,
        )
        # After the outcome is recorded, so the next case on this order counts this refund.
        await self._hold.release()
        return outcome
