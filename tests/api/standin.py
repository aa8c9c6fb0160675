"""A stand-in registered as "RefundWorkflow", used by API/CLI tests until the real worker exists.

It speaks the public contract (RefundRequest in, `status` query, `decide_approval` Update) and uses
the real ApprovalGate from workflows/approval.py, so refusals come from the real validator.
Requests above 50.00 wait for single approval by alice or bob; smaller ones resolve at once.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.approval import ApprovalGate
    from workflows.models import (
        DECIDE_APPROVAL_UPDATE,
        REFUND_WORKFLOW,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
        CaseStatus,
        PendingApproval,
        RefundOutcome,
        RefundRequest,
    )

APPROVAL_THRESHOLD_CENTS = 5000


@workflow.defn(name=REFUND_WORKFLOW)
class StandInRefundWorkflow:
    @workflow.init
    def __init__(self, request: RefundRequest) -> None:
        self._gate = ApprovalGate()
        self._status = CaseStatus(
            ticket_id=request.ticket_id,
            workflow_id=workflow.info().workflow_id,
            state="received",
            customer_id=request.customer_id,
            order_id=request.order_id,
        )

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> CaseStatus:
        return self._status

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        return self._gate.apply(decision, workflow.now())

    @decide_approval.validator
    def _validate(self, decision: ApprovalDecision) -> None:
        self._gate.validate(decision)

    @workflow.run
    async def run(self, request: RefundRequest) -> RefundOutcome:
        amount = request.requested_amount_cents or 1000
        self._status.amount_cents = amount
        self._status.currency = "usd"
        if amount > APPROVAL_THRESHOLD_CENTS:
            pending = PendingApproval(
                request_id=str(workflow.uuid4()),
                level="single",
                amount_cents=amount,
                currency="usd",
                charge_id="ch_standin",
                required_approvals=1,
                approvers=["alice", "bob"],
                requested_by=request.requested_by,
                rule="single_approval",
                reason="above the auto-approve limit",
                expires_at=workflow.now() + timedelta(hours=24),
            )
            self._gate.open(pending)
            self._status.pending_approval = pending
            self._status.state = "awaiting_approval"
            await workflow.wait_condition(lambda: self._gate.settled)
            await workflow.wait_condition(workflow.all_handlers_finished)
        state = "rejected" if self._gate.status == "rejected" else "resolved"
        self._status.state = state
        return RefundOutcome(ticket_id=request.ticket_id, state=state, resolution=state)
