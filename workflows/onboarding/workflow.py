"""OnboardingWorkflow: one signup, step by step, until an account exists or the signup ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.models import CaseState, CustomerReply, ProcessPolicyInput
    from activities.onboarding import OnboardingActivities
    from activities.onboarding_models import (
        CataloguePlanInfo,
        OpenApplicationInput,
        PaymentSetupResult,
    )
    from activities.policy import PolicyActivities
    from policies.onboarding import OnboardingPolicy
    from workflows.case.contract import (
        DECIDE_APPROVAL_UPDATE,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
    )
    from workflows.case.failures import CaseStop, failure_reason
    from workflows.case.options import READ_OPTIONS, RECORD_OPTIONS
    from workflows.case.record import CaseRecord
    from workflows.onboarding import replies
    from workflows.onboarding.checks import CheckResult, goes_to_person, run_check
    from workflows.onboarding.contract import (
        ONBOARDING_WORKFLOW,
        SUBMIT_STEP_UPDATE,
        OnboardingOutcome,
        OnboardingRequest,
        OnboardingStatus,
        StepReceipt,
        StepSubmission,
    )
    from workflows.onboarding.details import onboarding_details
    from workflows.onboarding.exception import SignupException
    from workflows.onboarding.provisioning import provision
    from workflows.onboarding.records import message_applicant, record_closing, record_timing
    from workflows.onboarding.reminders import next_wake
    from workflows.onboarding.steps import StepBook
    from workflows.search_attributes import CASE_STATE, PROCESS


@workflow.defn(name=ONBOARDING_WORKFLOW)
class OnboardingWorkflow:
    """Collects a signup one step at a time (each step checked field by field at once, then
    against the backend systems), reminds a stalled applicant and closes an abandoned signup,
    hands failed eligibility or compatibility checks to a person with a recommendation, and
    provisions the Stripe subscription and CRM account exactly once."""

    @workflow.init
    def __init__(self, request: OnboardingRequest) -> None:
        self._request = request
        wf_id = workflow.info().workflow_id
        self._status = OnboardingStatus(
            ticket_id=wf_id,
            workflow_id=wf_id,
            # Tells this status apart from other processes' where statuses are read generically.
            workflow_type=workflow.info().workflow_type,
            state="received",
            application_id=request.application_id,
        )
        self._record = CaseRecord(
            self._status, search_attributes=self._attributes, details=self._details
        )
        self._book: StepBook | None = None
        self._exception = SignupException(self._status, self._record)
        self._version: str | None = None
        self._last_progress = workflow.now()
        self._reminded_since_progress = 0
        self._plan: CataloguePlanInfo | None = None
        self._payment: PaymentSetupResult | None = None

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> OnboardingStatus:
        return self._status

    @workflow.update(name=SUBMIT_STEP_UPDATE)
    async def submit_step(self, submission: StepSubmission) -> StepReceipt:
        # Only an Update that arrives before the policy is loaded waits here; its data is then
        # checked in the handler (the validator had nothing to check it against).
        await workflow.wait_condition(lambda: self._book is not None)
        book = self._book
        assert book is not None
        refusal = book.refusal(submission)
        if refusal is not None:
            raise refusal
        again = book.accept(submission, workflow.now())
        self._last_progress = workflow.now()
        self._reminded_since_progress = 0
        if not any(p.state == "escalated" for p in book.progress.values()):
            # The step a person was asked about changed (itself or a step it depends on): the
            # request is about old data. Other steps may go on meanwhile.
            self._exception.withdraw(submission.submitted_by)
        self._record.note(
            submission.submitted_by,
            "step_submitted",
            submission.step + (f" (re-checking {', '.join(again)})" if again else ""),
        )
        self._refresh()
        return StepReceipt(
            step=submission.step,
            submission=book.progress[submission.step].submissions,
            next_step=book.next_for_customer(),
            rechecking=again,
        )

    @submit_step.validator
    def _check_submission(self, submission: StepSubmission) -> None:
        if self._book is not None:
            refusal = self._book.refusal(submission)
            if refusal is not None:
                raise refusal

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        return self._exception.decide(decision)

    @decide_approval.validator
    def _validate_decision(self, decision: ApprovalDecision) -> None:
        self._exception.validate(decision)

    @workflow.run
    async def run(self, request: OnboardingRequest) -> OnboardingOutcome:
        document = await workflow.execute_local_activity_method(
            PolicyActivities.load_process_policy,
            ProcessPolicyInput(name="onboarding"),
            **READ_OPTIONS,
        )
        self._version = self._status.policy_version = document.version_tag
        self._book = book = StepBook(OnboardingPolicy.model_validate(document.data))
        await workflow.execute_activity_method(
            OnboardingActivities.open_application,
            OpenApplicationInput(
                application_id=request.application_id,
                workflow_id=workflow.info().workflow_id,
                at=workflow.now(),
            ),
            summary="Record the application",
            **RECORD_OPTIONS,
        )
        self._record.set_state("awaiting_customer")
        self._refresh()
        try:
            await self._collect(book)
            outcome = await self._provision(book)
        except CaseStop as stop:
            outcome = await self._finish(
                stop.state,
                stop.reason,
                replies.on_stop(stop.state, stop.reason, request.application_id, self._book),
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    async def _collect(self, book: StepBook) -> None:
        while True:
            step = book.next_to_check()
            if step is not None:
                await self._check(book, step)
                continue
            if book.complete:
                return
            wake, abandon = next_wake(
                book.policy, self._last_progress, self._reminded_since_progress
            )
            try:
                await workflow.wait_condition(
                    lambda: book.next_to_check() is not None,
                    timeout=max(wake - workflow.now(), timedelta(0)),
                    timeout_summary="abandonment" if abandon else "reminder",
                )
            except TimeoutError:
                if abandon:
                    raise CaseStop("expired", self._abandoned_reason(book)) from None
                await self._remind(book)

    async def _check(self, book: StepBook, step: str) -> None:
        version = book.version[step]
        book.checks[step] += 1
        self._record.set_state("in_process")
        try:
            result = await run_check(
                book, step, self._request.application_id, self._request.customer_id, self._payment
            )
        except ActivityError as err:
            # Only failures no retry can fix get here (a refused request, a duplicate object).
            raise CaseStop("escalated", f"The {step} check failed: {failure_reason(err)}") from None
        if book.version[step] != version or book.progress[step].state != "submitted":
            return  # the applicant changed the step meanwhile: its new data is checked next
        if result.errors:
            book.refused(step, result.errors)
            await record_timing(self._request.application_id, book, step, "refused")
        elif result.problem and goes_to_person(book.policy, step):
            await record_timing(self._request.application_id, book, step, "escalated")
            await self._escalate(book, step, result)
        elif result.problem:
            book.refused(step, {step: result.problem})
            await record_timing(self._request.application_id, book, step, "refused")
        else:
            self._keep(result)
            book.passed(step, workflow.now())
            await record_timing(self._request.application_id, book, step, "done")
        self._record.set_state("awaiting_customer")
        self._refresh()

    async def _escalate(self, book: StepBook, step: str, result: CheckResult) -> None:
        approved_by = await self._exception.escalate(
            book,
            step,
            result,
            self._version or "",
            applicant=book.field("contact", "full_name") or self._request.application_id,
        )
        if approved_by is not None:
            self._keep(result)
            book.passed(step, workflow.now(), exception_by=approved_by)
            await record_timing(self._request.application_id, book, step, "done")

    async def _provision(self, book: StepBook) -> OnboardingOutcome:
        book.frozen = True
        self._record.set_state("in_process")
        assert self._plan is not None and self._payment is not None
        self._status.stripe_customer_id = self._payment.stripe_customer_id
        try:
            done = await provision(
                book,
                self._request.application_id,
                self._request.customer_id,
                self._plan,
                self._payment,
            )
        except ActivityError as err:
            raise CaseStop("escalated", f"Provisioning failed: {failure_reason(err)}") from None
        self._status.subscription_id = done.subscription.subscription_id
        self._status.account_id = done.account.account_id
        self._status.customer_id = done.account.customer_id
        self._record.note("billing", "subscribed", done.subscription.subscription_id)
        reply = replies.welcome(
            self._request.application_id,
            book.field("contact", "full_name"),
            self._plan.name,
            book.policy.trial_days,
        )
        return await self._finish(
            "resolved", f"Account {done.account.account_id} on {self._plan.plan_id}.", reply
        )

    async def _finish(
        self, state: CaseState, resolution: str, reply: CustomerReply | None
    ) -> OnboardingOutcome:
        book = self._book
        stopped_at = None
        if book is not None:
            book.frozen = True
            stopped_at = None if state == "resolved" else book.next_for_customer()
        self._status.resolution = resolution
        self._record.note("workflow", f"case_{state}", resolution)
        await record_closing(
            self._request.application_id,
            self._status,
            self._record,
            state=state,
            resolution=resolution,
            stopped_at=stopped_at,
            reply=reply,
        )
        self._record.set_state(state)
        self._refresh()
        return OnboardingOutcome(
            application_id=self._request.application_id,
            state=state,
            resolution=resolution,
            stopped_at=stopped_at,
            account_id=self._status.account_id,
            subscription_id=self._status.subscription_id,
            policy_version=self._version,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _keep(self, result: CheckResult) -> None:
        self._plan = result.plan or self._plan
        self._payment = result.payment or self._payment

    async def _remind(self, book: StepBook) -> None:
        self._reminded_since_progress += 1
        self._status.reminders_sent += 1
        step = book.next_for_customer() or book.policy.step_names[0]
        rule = book.policy.step(step)
        self._record.note("workflow", "reminded", step)
        await message_applicant(
            f"reminder:{self._status.reminders_sent}",
            replies.reminder(
                self._request.application_id,
                rule.title if rule else step,
                replies.continue_link(book.policy, self._request.application_id),
                self._reminded_since_progress,
            ),
        )
        self._refresh()

    def _abandoned_reason(self, book: StepBook) -> str:
        return f"Abandoned at step {book.next_for_customer()} after no progress."

    def _refresh(self) -> None:
        book = self._book
        if book is not None:
            self._status.steps = [p.model_copy() for p in book.progress.values()]
            self._status.next_step = book.next_for_customer()
            self._status.field_errors = {k: dict(v) for k, v in book.errors.items()}
        self._record.show_details()

    def _attributes(self, state: CaseState) -> list[SearchAttributeUpdate[Any]]:
        return [CASE_STATE.value_set(state), PROCESS.value_set("onboarding")]

    def _details(self) -> str:
        return onboarding_details(self._status)
