"""A signup exception in front of a person: a failed eligibility or compatibility check, with
the data so far, what failed and a recommended resolution (the nearest compatible plan).

The person approves the exception (the step counts as passed), rejects it (the signup closes),
or corrects a field through `submit_step`, which withdraws the request and checks the step
again. Built on the kernel's ApprovalGate and ApprovalStep, like every approval.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.models import ApprovalNotice, ApprovalRequestRecord
    from policies.identity import canonical_person_id
    from policies.onboarding import OnboardingPolicy
    from workflows.case.approval_gate import ApprovalGate, GateStatus
    from workflows.case.approval_step import ApprovalStep
    from workflows.case.contract import ApprovalDecision, ApprovalReceipt, PendingApproval
    from workflows.case.failures import CaseStop
    from workflows.case.options import RECORD_OPTIONS
    from workflows.case.record import CaseRecord
    from workflows.onboarding.checks import CheckResult
    from workflows.onboarding.contract import OnboardingStatus
    from workflows.onboarding.steps import StepBook


class SignupException:
    def __init__(self, status: OnboardingStatus, record: CaseRecord) -> None:
        self.gate = ApprovalGate()
        self._status = status
        self._record = record

    def validate(self, decision: ApprovalDecision) -> None:
        self.gate.validate(decision, workflow.now())

    def decide(self, decision: ApprovalDecision) -> ApprovalReceipt:
        receipt = self.gate.apply(decision, workflow.now())
        self._record.note(
            canonical_person_id(decision.approver),
            "exception_approved" if decision.decision == "approve" else "signup_closed",
            decision.reason or "",
        )
        self._status.pending_approval = self.gate.pending
        return receipt

    def withdraw(self, by: str) -> None:
        """A corrected field voids the request: its decision would be about old data."""
        if self.gate.status == "pending":
            self.gate.status = "superseded"
            self.gate.superseded_reason = f"corrected by {by}"
            self._record.note(canonical_person_id(by), "exception_withdrawn", "field corrected")

    async def escalate(
        self,
        book: StepBook,
        step: str,
        result: CheckResult,
        policy_version: str,
        *,
        applicant: str,
    ) -> str | None:
        """Asks a person about a step's failed check and waits. Returns who approved the
        exception (the step then counts as passed), None when a correction withdrew the request
        (the step is checked again); a rejection or an expiry ends the case (CaseStop)."""
        book.escalated(step)
        rule = book.policy.step(step)
        assert rule is not None and result.problem is not None
        self._status.failed_check = rule.check
        self._status.recommendation = result.recommendation
        version = book.version[step]
        gate_status = await self._ask_and_wait(
            book.policy,
            policy_version,
            check=rule.check,
            problem=result.problem,
            recommendation=result.recommendation,
            facts=[f"{s}.{k}: {v}" for s, fields in book.data.items() for k, v in fields.items()],
            requested_by="supportflow",
            applicant=applicant,
        )
        self._status.failed_check = self._status.recommendation = None
        last = self.gate.decisions[-1][0] if self.gate.decisions else None
        by = last.approver if last else "a person"
        if gate_status == "rejected":
            raise CaseStop(
                "rejected", f"Closed by {by}: {(last and last.reason) or result.problem}"
            )
        if gate_status == "expired":
            raise CaseStop("escalated", f"No decision on the {rule.check} exception in time.")
        if gate_status == "approved" and book.version[step] == version:
            return by
        return None

    async def _ask_and_wait(
        self,
        policy: OnboardingPolicy,
        policy_version: str,
        *,
        check: str,
        problem: str,
        recommendation: str,
        facts: list[str],
        requested_by: str,
        applicant: str,
    ) -> GateStatus:
        now = workflow.now()
        level = policy.approval.level
        expires_at = now + timedelta(hours=policy.approval.expiry_hours)
        wf_id = workflow.info().workflow_id
        pending = PendingApproval(
            request_id=str(workflow.uuid4()),
            level=level.name,
            amount_cents=0,
            currency="",
            charge_id="",
            required_approvals=level.required_approvals,
            approvers=[a.id for a in level.approvers],
            requested_by=canonical_person_id(requested_by),
            rule=check,
            reason=problem,
            expires_at=expires_at,
            action="onboarding exception",
            target=check,
            lines=[*facts, f"Failed check: {problem}", f"Recommended: {recommendation}"],
        )
        self.gate.open(pending)
        self._status.pending_approval = pending
        self._record.set_state("awaiting_approval")
        self._record.note("policy", "exception_requested", f"{check}: {problem}")
        await workflow.execute_activity_method(
            CrmActivities.record_approval_request,
            ApprovalRequestRecord(
                ticket_id=self._status.ticket_id,
                workflow_id=wf_id,
                request_id=pending.request_id,
                level=level.name,
                amount_cents=0,
                currency="",
                required_approvals=level.required_approvals,
                approvers=pending.approvers,
                requested_by=pending.requested_by,
                rule=check,
                reason=problem,
                expires_at=expires_at,
                policy_version=policy_version,
                audit=self._record.take_audit(),
            ),
            summary="Record the signup exception",
            **RECORD_OPTIONS,
        )
        notice = ApprovalNotice(
            ticket_id=self._status.ticket_id,
            workflow_id=wf_id,
            request_id=pending.request_id,
            level=level.name,
            channel=level.slack_channel,
            approver_slack_ids=[a.slack_user_id for a in level.approvers if a.slack_user_id],
            approver_user_group=level.slack_user_group,
            customer_id=self._status.application_id or "",
            customer_name=applicant,
            customer_tier="applicant",
            subject=f"Signup exception: {check}",
            action="onboarding exception",
            target=check,
            lines=pending.lines,
            amount_cents=0,
            currency="",
            rule=check,
            reason=problem,
            recommended_action=recommendation,
            required_approvals=level.required_approvals,
            expires_at=expires_at,
        )
        step = ApprovalStep(self.gate, notice, self._record.note)
        await step.run(
            now + timedelta(hours=policy.approval.reminder_after_hours), expires_at, None
        )
        self._status.pending_approval = None
        return self.gate.status
