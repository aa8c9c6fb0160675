"""Onboarding activities on the CRM and the plan catalogue: the application and its step
timings, the email check, the compatibility check, and the account a finished signup creates.

Every write is idempotent per application, so Temporal retries them freely; `crm_errors` decides
what is worth retrying.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.crm_errors import crm_errors
from activities.onboarding_models import (
    AccountInput,
    AccountRecord,
    CloseApplicationInput,
    CompatibilityInput,
    OpenApplicationInput,
    PlanCompatibility,
    SignupEmailCheck,
    SignupEmailInput,
    StepTiming,
)
from integrations.commerce_catalogue import CataloguePort
from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store import CustomerView


class OnboardingActivities:
    def __init__(self, crm: OnboardingCrm, catalogue: CataloguePort) -> None:
        self._crm = crm
        self._catalogue = catalogue

    @activity.defn(name="open_onboarding_application")
    def open_application(self, data: OpenApplicationInput) -> None:
        with crm_errors("open_onboarding_application"):
            self._crm.open_application(data.application_id, data.workflow_id, data.at)

    @activity.defn(name="check_signup_email")
    def check_signup_email(self, data: SignupEmailInput) -> SignupEmailCheck:
        with crm_errors("check_signup_email"):
            return SignupEmailCheck(
                problem=self._crm.email_in_use(data.email, data.application_id, data.customer_id)
            )

    @activity.defn(name="record_onboarding_step")
    def record_step(self, data: StepTiming) -> None:
        with crm_errors("record_onboarding_step"):
            try:
                self._crm.record_step(
                    data.application_id,
                    step=data.step,
                    event=data.event,
                    at=data.at,
                    submitted_at=data.submitted_at,
                    next_step=data.next_step,
                    email=data.email,
                )
            except LookupError as err:
                raise ApplicationError(
                    str(err), type="ApplicationNotFound", non_retryable=True
                ) from None

    @activity.defn(name="close_onboarding_application")
    def close_application(self, data: CloseApplicationInput) -> None:
        with crm_errors("close_onboarding_application"):
            self._crm.close_application(
                data.application_id,
                status=data.status,
                stopped_at=data.stopped_at,
                resolution=data.resolution,
                at=data.at,
            )

    @activity.defn(name="check_plan_compatibility")
    def check_plan_compatibility(self, data: CompatibilityInput) -> PlanCompatibility:
        with crm_errors("check_plan_compatibility"):
            return self._catalogue.compatibility(data.plan_id, data.region, data.device_model)

    @activity.defn(name="create_signup_account")
    def create_account(self, data: AccountInput) -> AccountRecord:
        with crm_errors("create_signup_account"):
            account = self._crm.create_account(
                data.application_id,
                customer=CustomerView(
                    id=data.customer_id, name=data.name, email=data.email, tier="standard"
                ),
                plan_id=data.plan_id,
                stripe_customer_id=data.stripe_customer_id,
                stripe_subscription_id=data.stripe_subscription_id,
                at=data.at,
                ticket_id=data.ticket_id,
            )
        activity.logger.info(
            "Account %s for application %s (%s)",
            account.account_id,
            data.application_id,
            "created" if account.created else "found",
        )
        return account
