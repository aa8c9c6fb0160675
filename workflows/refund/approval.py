"""A refund's approval inside the workflow: the gate, the request built from the policy's
decision, the step that asks and waits, and the re-check of the last approval against the charge
before anyone is told "approved".

The workflow's `decide_approval` Update and its validator delegate here; the workflow keeps the
order of everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.crm import CrmActivities
    from activities.models import ChargeState, ChargeStateInput, CustomerContext, OrderInfo
    from policies.identity import canonical_person_id
    from policies.loader import PolicySnapshot
    from policies.refund_policy import RefundDecision
    from workflows.case.approval_gate import ApprovalGate
    from workflows.case.approval_step import ApprovalStep
    from workflows.case.contract import ApprovalDecision, ApprovalReceipt
    from workflows.case.options import RECHECK_OPTIONS, RECORD_OPTIONS
    from workflows.case.record import CaseRecord
    from workflows.refund.approval_request import approval_no_longer_holds, refund_approval
    from workflows.refund.contract import RefundRequest, RefundStatus
    from workflows.refund.system_of_record import read_shopify_refundable, refunded_in_shopify

# Gates for command-order changes, so cases already running keep replaying.
CONFIRM_APPROVAL_PATCH = "confirm-approval-against-charge"

Redecide = Callable[[PolicySnapshot, CustomerContext, OrderInfo, ChargeState], RefundDecision]


class RefundApproval:
    """Asks for, waits on and confirms the approval of one refund."""

    def __init__(
        self,
        request: RefundRequest,
        status: RefundStatus,
        record: CaseRecord,
        redecide: Redecide,
        refunds_since: Callable[[], datetime | None],
    ) -> None:
        self.gate = ApprovalGate()
        self.step: ApprovalStep | None = None
        self._request = request
        self._status = status
        self._record = record
        self._redecide = redecide
        self._refunds_since = refunds_since
        # What the pending approval was decided on, so the last approval can be re-checked.
        self._basis: tuple[PolicySnapshot, CustomerContext, OrderInfo, RefundDecision] | None = None

    def validate(self, decision: ApprovalDecision) -> None:
        self.gate.validate(decision, workflow.now())

    async def decide(self, decision: ApprovalDecision) -> ApprovalReceipt:
        # The last approval is confirmed against the charge before anyone is told "approved":
        # a refund made elsewhere meanwhile must not leave an approver believing money moved.
        confirm = self.gate.completes(decision) and workflow.patched(CONFIRM_APPROVAL_PATCH)
        receipt = self.gate.apply(decision, workflow.now(), confirm=confirm)
        self._record.note(
            canonical_person_id(decision.approver),
            "approved" if decision.decision == "approve" else "rejected",
            decision.reason or "",
        )
        if self.gate.status == "confirming":
            problem = await self._recheck()
            self.gate.confirm_action(problem)
            if problem is not None:
                self._record.note("policy", "approval_superseded", problem)
            receipt = self.gate.receipt(decision)
        self._status.pending_approval = self.gate.pending
        return receipt

    async def ask_and_wait(
        self,
        decision: RefundDecision,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
    ) -> str:
        """Opens the request, records and posts it, and waits until the gate settles; returns
        the request id."""
        ask = refund_approval(
            request=self._request,
            workflow_id=workflow.info().workflow_id,
            request_id=str(workflow.uuid4()),
            now=workflow.now(),
            snapshot=snapshot,
            customer=customer,
            order=order,
            decision=decision,
            currency=self._status.currency or order.currency,
        )
        pending = ask.pending
        self.gate.open(pending)
        # Decisions may arrive while the request is still being recorded and posted.
        self._basis = (snapshot, customer, order, decision)
        self._status.pending_approval = pending
        self._record.set_state("awaiting_approval")
        self._record.note(
            "policy",
            "approval_requested",
            f"{pending.level} approval ({pending.required_approvals}) for "
            f"{decision.amount_cents} cents, request {pending.request_id}",
        )
        await workflow.execute_activity_method(
            CrmActivities.record_approval_request,
            ask.record.model_copy(update={"audit": self._record.take_audit()}),
            summary="Record approval request",
            **RECORD_OPTIONS,
        )
        self.step = ApprovalStep(self.gate, ask.notice, self._record.note)
        await self.step.run(ask.remind_at, pending.expires_at, snapshot.policy.escalation_level)
        return pending.request_id

    async def _recheck(self) -> str | None:
        """Why the approved refund can no longer follow, or None when it still holds: reads the
        charge again and lets the same policy decide on fresh facts."""
        if self._basis is None:
            return None
        snapshot, customer, order, approved = self._basis
        try:
            if refunded_in_shopify(order):
                charge = await read_shopify_refundable(
                    order,
                    self._refunds_since(),
                    summary="Re-check the order in Shopify before approving",
                    options=RECHECK_OPTIONS,
                )
            else:
                charge = await workflow.execute_local_activity_method(
                    BillingActivities.get_charge_state,
                    ChargeStateInput(
                        charge_id=order.charge_id or "", refunds_since=self._refunds_since()
                    ),
                    summary="Re-check the charge before approving",
                    **RECHECK_OPTIONS,
                )
        except (ActivityError, ApplicationError):
            return None  # the refund step checks the charge again and escalates if it must
        fresh = self._redecide(snapshot, customer, order, charge)
        return approval_no_longer_holds(snapshot, approved, fresh)
