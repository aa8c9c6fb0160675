"""Signups for the API and the CLI: start one per application, read where it stands, submit a
step. Refusals come back as `SignupRefused` with a stable code (and field errors for 422)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from integrations.temporal_links import workflow_url
from worker.cases import _newly_started
from worker.settings import Settings
from workflows import search_attributes as sa
from workflows.case.contract import STATUS_QUERY
from workflows.onboarding.contract import (
    ONBOARDING_WORKFLOW,
    SUBMIT_STEP_UPDATE,
    OnboardingRequest,
    OnboardingStatus,
    StepReceipt,
    StepSubmission,
    onboarding_workflow_id,
)

RefusalCode = Literal["not_found", "invalid_step", "onboarding_closed"]
_FIELD_ERRORS = {"InvalidStep", "UnknownStep", "StepOutOfOrder"}


class SignupRefused(Exception):
    def __init__(self, code: RefusalCode, message: str, fields: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.code: RefusalCode = code
        self.message = message
        self.fields = fields or {}


class SignupStarted(BaseModel):
    application_id: str
    workflow_id: str
    existing: bool
    temporal_ui_url: str


async def start_signup(
    client: Client, settings: Settings, request: OnboardingRequest
) -> SignupStarted:
    """Starts the application's onboarding, or finds the one it already has."""
    workflow_id = onboarding_workflow_id(request.application_id)
    existing = False
    try:
        handle = await client.start_workflow(
            ONBOARDING_WORKFLOW,
            request,
            id=workflow_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.PROCESS, "onboarding"),
                    SearchAttributePair(sa.CASE_STATE, "received"),
                ]
            ),
            static_summary=f"Signup {request.application_id}",
        )
        existing = not _newly_started(handle)
    except WorkflowAlreadyStartedError:
        existing = True
    return SignupStarted(
        application_id=request.application_id,
        workflow_id=workflow_id,
        existing=existing,
        temporal_ui_url=workflow_url(settings.temporal_ui_url, client.namespace, workflow_id),
    )


async def signup_status(client: Client, application_id: str) -> OnboardingStatus:
    handle = client.get_workflow_handle(onboarding_workflow_id(application_id))
    try:
        status: OnboardingStatus = await handle.query(STATUS_QUERY, result_type=OnboardingStatus)
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise SignupRefused(
                "not_found", f"No onboarding for application {application_id}."
            ) from None
        raise
    return status


async def submit_signup_step(
    client: Client, application_id: str, step: str, fields: dict[str, str], submitted_by: str
) -> StepReceipt:
    handle = client.get_workflow_handle(onboarding_workflow_id(application_id))
    try:
        receipt: StepReceipt = await handle.execute_update(
            SUBMIT_STEP_UPDATE,
            StepSubmission(step=step, fields=fields, submitted_by=submitted_by),
            result_type=StepReceipt,
        )
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in _FIELD_ERRORS:
            details = cause.details[0] if cause.details else {}
            raise SignupRefused("invalid_step", cause.message, dict(details)) from None
        if isinstance(cause, ApplicationError) and cause.type == "OnboardingClosed":
            raise SignupRefused("onboarding_closed", cause.message) from None
        raise
    except RPCError as err:
        raise await _why_not_running(client, application_id, err) from None
    return receipt


async def _why_not_running(client: Client, application_id: str, err: RPCError) -> Exception:
    """An Update to a closed or missing workflow fails at the server: say which."""
    if err.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
        return err
    try:
        described = await client.get_workflow_handle(
            onboarding_workflow_id(application_id)
        ).describe()
    except RPCError:
        return SignupRefused("not_found", f"No onboarding for application {application_id}.")
    if described.raw_description.workflow_execution_info.status != (
        WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
    ):
        return SignupRefused("onboarding_closed", "This signup is closed.")
    return err
