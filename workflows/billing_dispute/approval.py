"""A billing adjustment's approval: the request built from the policy's decision, and the
kernel's gate and step that ask, remind, escalate and wait.

The request is bound to the exact adjustment (amount, charges); the money step re-reads each
charge before it moves anything, so an approval that no longer fits the charge moves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import ApprovalNotice, ApprovalRequestRecord, CustomerContext
    from policies.billing_discrepancies import Discrepancy
    from policies.billing_dispute import AdjustmentDecision, BillingDisputePolicy
    from policies.identity import canonical_person_id
    from workflows.billing_dispute.contract import BillingDisputeRequest, BillingDisputeStatus
    from workflows.case.approval_gate import ApprovalGate
    from workflows.case.approval_step import ApprovalStep
    from workflows.case.contract import ApprovalDecision, ApprovalReceipt, PendingApproval
    from workflows.case.options import RECORD_OPTIONS
    from workflows.case.record import CaseRecord


class AdjustmentApproval:
    """Asks for and waits on the approval of one billing adjustment."""

    def __init__(
        self, request: BillingDisputeRequest, status: BillingDisputeStatus, record: CaseRecord
    ) -> None:
        self.gate = ApprovalGate()
        self._request = request
        self._status = status
        self._record = record

    def validate(self, decision: ApprovalDecision) -> None:
        self.gate.validate(decision, workflow.now())

    async def decide(self, decision: ApprovalDecision) -> ApprovalReceipt:
        receipt = self.gate.apply(decision, workflow.now())
        self._record.note(
            canonical_person_id(decision.approver),
            "approved" if decision.decision == "approve" else "rejected",
            decision.reason or "",
        )
        self._status.pending_approval = self.gate.pending
        return receipt

    async def ask_and_wait(
        self,
        policy: BillingDisputePolicy,
        policy_version: str,
        decision: AdjustmentDecision,
        findings: Sequence[Discrepancy],
        customer: CustomerContext,
    ) -> str:
        """Opens the request, records and posts it, waits until the gate settles; returns the
        request id."""
        level = policy.level(decision.approval_level or policy.single_approval.name)
        now = workflow.now()
        expires_at = now + timedelta(hours=policy.approval_expiry_hours)
        currency = findings[0].currency
        charges = ", ".join(dict.fromkeys(f.charge_id for f in findings))
        pending = PendingApproval(
            request_id=str(workflow.uuid4()),
            level=level.name,
            amount_cents=decision.amount_cents,
            currency=currency,
            charge_id=findings[0].charge_id,
            required_approvals=level.required_approvals,
            approvers=[a.id for a in level.approvers],
            requested_by=canonical_person_id(self._request.requested_by),
            rule=decision.rule,
            reason=decision.reason,
            expires_at=expires_at,
        )
        self.gate.open(pending)
        self._status.pending_approval = pending
        self._record.set_state("awaiting_approval")
        self._record.note(
            "policy",
            "approval_requested",
            f"{level.name} approval ({level.required_approvals}) for {decision.amount_cents} "
            f"cents on {charges}, request {pending.request_id}",
        )
        await workflow.execute_activity_method(
            CrmActivities.record_approval_request,
            # The CRM record is the pending request itself, with the case's ids and policy.
            ApprovalRequestRecord.model_validate(
                pending.model_dump(exclude={"approved_by", "charge_id", "reminded"})
                | {
                    "ticket_id": self._request.ticket_id,
                    "workflow_id": workflow.info().workflow_id,
                    "policy_version": policy_version,
                    "audit": self._record.take_audit(),
                }
            ),
            summary="Record approval request",
            **RECORD_OPTIONS,
        )
        notice = ApprovalNotice(
            ticket_id=self._request.ticket_id,
            workflow_id=workflow.info().workflow_id,
            request_id=pending.request_id,
            level=level.name,
            channel=level.slack_channel,
            approver_slack_ids=[a.slack_user_id for a in level.approvers if a.slack_user_id],
            approver_user_group=level.slack_user_group,
            customer_id=customer.customer_id,
            customer_name=customer.name,
            customer_tier=customer.tier,
            subject=self._request.subject,
            action="billing adjustment",
            target=charges,
            lines=[f.explanation for f in findings],
            amount_cents=decision.amount_cents,
            currency=currency,
            rule=decision.rule,
            reason=decision.reason,
            recommended_action=f"Approve an adjustment of {decision.amount_cents / 100:,.2f} "
            f"{currency.upper()} for what was charged wrongly.",
            recent_refunds=customer.recent_refunds,
            required_approvals=level.required_approvals,
            expires_at=expires_at,
        )
        step = ApprovalStep(self.gate, notice, self._record.note)
        await step.run(
            now + timedelta(hours=policy.approval_reminder_after_hours),
            expires_at,
            policy.escalation_level,
        )
        return pending.request_id
