"""Public contract of OnboardingWorkflow: one signup per application id, data by step.

Backends may start and drive onboardings with the Temporal client directly, so names and fields
here are a public API: add optional fields, never rename or remove.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from activities.models import CaseState
from workflows.case.contract import CaseStatus

ONBOARDING_WORKFLOW = "OnboardingWorkflow"
SUBMIT_STEP_UPDATE = "submit_step"
APPLICATION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$"

StepState = Literal["pending", "submitted", "needs_input", "done", "escalated"]


def onboarding_workflow_id(application_id: str) -> str:
    """One workflow per application: starting twice finds the same case."""
    return f"onboarding-{application_id}"


class OnboardingRequest(BaseModel):
    application_id: str = Field(pattern=APPLICATION_ID_PATTERN)
    channel: str = Field("api", max_length=32)
    requested_by: str = Field("customer", min_length=1, max_length=64)
    # The ticket that asked to sign up, when triage started the signup.
    source_ticket_id: str | None = Field(None, max_length=64)
    # An existing customer adding a line or upgrading: their own email is not "in use".
    customer_id: str | None = Field(None, max_length=64)


class StepSubmission(BaseModel):
    """Argument of the `submit_step` Update: one step's fields, checked field by field."""

    step: str = Field(min_length=1, max_length=32)
    fields: dict[str, str] = Field(max_length=20)
    submitted_by: str = Field("customer", min_length=1, max_length=64)


class StepReceipt(BaseModel):
    step: str
    submission: int
    next_step: str | None
    rechecking: list[str] = []


class StepProgress(BaseModel):
    name: str
    title: str
    state: StepState = "pending"
    submissions: int = 0
    submitted_at: datetime | None = None
    done_at: datetime | None = None
    exception_by: str | None = None


class OnboardingStatus(CaseStatus):
    process: str = "onboarding"
    application_id: str | None = None
    steps: list[StepProgress] = []
    next_step: str | None = None
    # step -> field -> why, from the last backend check that refused the step's data.
    field_errors: dict[str, dict[str, str]] = {}
    reminders_sent: int = 0
    failed_check: str | None = None
    recommendation: str | None = None
    stripe_customer_id: str | None = None
    subscription_id: str | None = None
    account_id: str | None = None


class OnboardingOutcome(BaseModel):
    application_id: str
    state: CaseState
    resolution: str
    stopped_at: str | None = None
    account_id: str | None = None
    subscription_id: str | None = None
    policy_version: str | None = None
