"""`/onboarding`: start a signup, read where it stands, submit one step at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from worker.api_dependencies import CaseStore, api_settings, audit, case_store, temporal_gate
from worker.api_errors import error_body, error_responses
from worker.auth import ONBOARDING_WRITE, Principal, scoped
from worker.onboarding_cases import (
    SignupRefused,
    SignupStarted,
    signup_status,
    start_signup,
    submit_signup_step,
)
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from workflows.onboarding.contract import (
    APPLICATION_ID_PATTERN,
    OnboardingRequest,
    OnboardingStatus,
    StepReceipt,
    onboarding_workflow_id,
)

router = APIRouter()

ApplicationId = Annotated[str, Path(pattern=APPLICATION_ID_PATTERN)]
StepName = Annotated[str, Path(pattern=r"^[a-z][a-z_]{0,31}$")]


class SignupStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_id: str = Field(pattern=APPLICATION_ID_PATTERN)
    channel: str = Field("api", min_length=1, max_length=32)


class StepFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Annotated[str, Field(max_length=500)]] = Field(max_length=20)


def _refused(refusal: SignupRefused) -> JSONResponse:
    status = {"not_found": 404, "invalid_step": 422, "onboarding_closed": 409}[refusal.code]
    extra = {"fields": refusal.fields} if refusal.fields else {}
    return JSONResponse(error_body(refusal.code, refusal.message, **extra), status)


@router.post(
    "/onboarding",
    status_code=201,
    response_model=SignupStarted,
    responses={
        200: {"model": SignupStarted, "description": "The application already had a signup"},
        **error_responses(401, 403, 422, 503),
    },
    tags=["onboarding"],
)
async def post_onboarding(
    body: SignupStart,
    response: Response,
    principal: Annotated[Principal, scoped(ONBOARDING_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    settings: Annotated[Settings, Depends(api_settings)],
) -> SignupStarted:
    """Starts the application's signup; the same application id again returns it (200)."""
    request = OnboardingRequest(
        application_id=body.application_id, channel=body.channel, requested_by=principal.id
    )
    started = await start_signup(await temporal.client(), settings, request)
    if started.existing:
        response.status_code = 200
    return started


@router.get(
    "/onboarding/{application_id}",
    response_model=OnboardingStatus,
    responses=error_responses(401, 403, (404, "not_found: no signup for this application"), 503),
    tags=["onboarding"],
)
async def get_onboarding(
    application_id: ApplicationId,
    _: Annotated[Principal, scoped(ONBOARDING_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
) -> OnboardingStatus | JSONResponse:
    """Steps done, the next step, and the last field errors from the backend checks."""
    try:
        return await signup_status(await temporal.client(), application_id)
    except SignupRefused as refusal:
        return _refused(refusal)


@router.post(
    "/onboarding/{application_id}/steps/{step}",
    response_model=StepReceipt,
    responses=error_responses(
        401,
        403,
        (404, "not_found: no signup for this application"),
        (409, "onboarding_closed: the signup ended or is being provisioned"),
        (422, "invalid_step: `fields` names each refused field and why"),
        503,
    ),
    tags=["onboarding"],
)
async def post_step(
    application_id: ApplicationId,
    step: StepName,
    body: StepFields,
    principal: Annotated[Principal, scoped(ONBOARDING_WRITE)],
    temporal: Annotated[TemporalGate, Depends(temporal_gate)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> StepReceipt | JSONResponse:
    """Submits one step's fields. 200 when accepted (backend checks follow; read them with
    GET), 422 with field errors, 409 once the signup is closed."""
    try:
        receipt = await submit_signup_step(
            await temporal.client(), application_id, step, body.fields, principal.id[:64]
        )
    except SignupRefused as refusal:
        return _refused(refusal)
    await audit(
        store,
        principal,
        onboarding_workflow_id(application_id),
        "api_onboarding_step",
        f"step {step} submission {receipt.submission}",
    )
    return receipt
