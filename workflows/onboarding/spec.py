"""Onboarding as the registry lists it."""

from __future__ import annotations

from workflows.case.process_spec import ProcessSpec
from workflows.onboarding.contract import (
    ONBOARDING_WORKFLOW,
    OnboardingOutcome,
    OnboardingRequest,
    OnboardingStatus,
)
from workflows.onboarding.intake import signup_request

ONBOARDING = ProcessSpec(
    name="onboarding",
    title="Onboarding",
    attribute="onboarding",
    workflow_name=ONBOARDING_WORKFLOW,
    workflow_path="workflows.onboarding.workflow:OnboardingWorkflow",
    request=OnboardingRequest,
    status=OnboardingStatus,
    outcome=OnboardingOutcome,
    from_ticket=signup_request,
)
