"""What a signup writes as it goes: each step's timing for the funnel, messages to the
applicant, and the closing records (the application, then the case outcome with its reply)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.crm import CrmActivities
    from activities.handoff import HandoffActivities
    from activities.models import CaseOutcomeRecord, CaseState, CustomerReply
    from activities.onboarding import OnboardingActivities
    from activities.onboarding_models import CloseApplicationInput, StepTiming
    from activities.ticket_models import CustomerMessageInput
    from workflows.case.options import RECORD_OPTIONS
    from workflows.case.record import CaseRecord
    from workflows.onboarding.contract import OnboardingStatus
    from workflows.onboarding.steps import StepBook

# The application's status in the CRM for each way a case ends.
_APPLICATION_STATUS: dict[CaseState, str] = {
    "resolved": "completed",
    "expired": "abandoned",
    "rejected": "closed",
    "escalated": "expired",
}


async def record_timing(application_id: str, book: StepBook, step: str, event: str) -> None:
    progress = book.progress[step]
    await workflow.execute_activity_method(
        OnboardingActivities.record_step,
        StepTiming(
            application_id=application_id,
            step=step,
            event=event,  # type: ignore[arg-type]
            at=workflow.now(),
            submitted_at=progress.submitted_at,
            next_step=book.next_for_customer(),
            email=book.field("contact", "email") or None,
        ),
        summary=f"Record step {step} {event}",
        **RECORD_OPTIONS,
    )


async def message_applicant(key: str, reply: CustomerReply) -> None:
    """Queued once per key: a retried send delivers the message once."""
    wf_id = workflow.info().workflow_id
    await workflow.execute_activity_method(
        HandoffActivities.queue_customer_message,
        CustomerMessageInput(
            ticket_id=wf_id, workflow_id=wf_id, dedupe_key=f"{wf_id}:{key}", reply=reply
        ),
        summary="Message the applicant",
        **RECORD_OPTIONS,
    )


async def record_closing(
    application_id: str,
    status: OnboardingStatus,
    record: CaseRecord,
    *,
    state: CaseState,
    resolution: str,
    stopped_at: str | None,
    reply: CustomerReply | None,
) -> None:
    wf_id = workflow.info().workflow_id
    await workflow.execute_activity_method(
        OnboardingActivities.close_application,
        CloseApplicationInput(
            application_id=application_id,
            status=_APPLICATION_STATUS.get(state, "closed"),  # type: ignore[arg-type]
            stopped_at=stopped_at,
            resolution=resolution,
            at=workflow.now(),
        ),
        summary="Close the application",
        **RECORD_OPTIONS,
    )
    await workflow.execute_activity_method(
        CrmActivities.record_case_outcome,
        CaseOutcomeRecord(
            ticket_id=wf_id,
            workflow_id=wf_id,
            customer_id=status.customer_id,
            order_id=None,
            status=state,
            resolution=resolution,
            policy_version=status.policy_version,
            audit=record.take_audit(),
            reply=reply,
        ),
        summary="Record the outcome",
        **RECORD_OPTIONS,
    )
