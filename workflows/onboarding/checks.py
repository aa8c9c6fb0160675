"""The backend check each step names in the policy, as one call from the workflow.

A check ends one of three ways: passed, refused with field errors the applicant can fix (email
in use, card declined), or failed in a way the policy sends to a person (eligibility,
compatibility), with a recommended resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing_errors import CARD_DECLINED
    from activities.onboarding import OnboardingActivities
    from activities.onboarding_billing import (
        PAYMENT_SETUP_INCOMPLETE,
        OnboardingBillingActivities,
    )
    from activities.onboarding_models import (
        CataloguePlanInfo,
        CompatibilityInput,
        PaymentSetupInput,
        PaymentSetupResult,
        SignupEmailInput,
    )
    from policies.onboarding import OnboardingPolicy, eligibility_problem
    from workflows.case.failures import failure_reason
    from workflows.case.options import MONEY_OPTIONS, READ_OPTIONS
    from workflows.onboarding.steps import StepBook


@dataclass
class CheckResult:
    errors: dict[str, str] | None = None
    problem: str | None = None
    recommendation: str = "Review the signup and approve an exception or close it."
    plan: CataloguePlanInfo | None = None
    payment: PaymentSetupResult | None = None


async def run_check(
    book: StepBook,
    step: str,
    application_id: str,
    customer_id: str | None,
    payment: PaymentSetupResult | None = None,
) -> CheckResult:
    """`payment`: what an earlier payment check of this signup set up (its Stripe customer)."""
    rule = book.policy.step(step)
    assert rule is not None
    if rule.check == "identity":
        return await _identity(book, application_id, customer_id)
    if rule.check == "eligibility":
        problem = eligibility_problem(book.policy, book.data.get(step, {}))
        return CheckResult(
            problem=problem,
            recommendation="Approve if we can serve this customer anyway; otherwise close.",
        )
    if rule.check == "compatibility":
        return await _compatibility(book, step)
    return await _payment(book, step, application_id, payment)


def goes_to_person(policy: OnboardingPolicy, step: str) -> bool:
    rule = policy.step(step)
    return rule is not None and rule.check in policy.to_person


async def _identity(book: StepBook, application_id: str, customer_id: str | None) -> CheckResult:
    found = await workflow.execute_activity_method(
        OnboardingActivities.check_signup_email,
        SignupEmailInput(
            application_id=application_id,
            email=book.field("contact", "email"),
            customer_id=customer_id,
        ),
        summary="Is this email free to sign up?",
        **READ_OPTIONS,
    )
    return CheckResult(errors={"email": found.problem} if found.problem else None)


async def _compatibility(book: StepBook, step: str) -> CheckResult:
    answer = await workflow.execute_activity_method(
        OnboardingActivities.check_plan_compatibility,
        CompatibilityInput(
            plan_id=book.field(step, "plan_id"),
            region=book.field("address", "region"),
            device_model=book.field(step, "device_model"),
        ),
        summary="Plan available in the region and supported on the device?",
        **READ_OPTIONS,
    )
    if answer.problem is None:
        return CheckResult(plan=answer.plan)
    if answer.plan is None:
        return CheckResult(errors={"plan_id": answer.problem})
    nearest = answer.nearest
    return CheckResult(
        problem=answer.problem,
        plan=answer.plan,
        recommendation=(
            f"Offer {nearest.name} ({nearest.plan_id}, {nearest.monthly_cents / 100:.2f} "
            f"{nearest.currency.upper()}/month), the nearest plan that fits"
            if nearest
            else "No plan fits this region and device; close the signup or approve by hand"
        ),
    )


async def _payment(
    book: StepBook, step: str, application_id: str, known: PaymentSetupResult | None
) -> CheckResult:
    wf_id = workflow.info().workflow_id
    try:
        payment = await workflow.execute_activity_method(
            OnboardingBillingActivities.set_up_payment,
            PaymentSetupInput(
                application_id=application_id,
                email=book.field("contact", "email"),
                name=book.field("contact", "full_name"),
                payment_method=book.field(step, "payment_method"),
                customer_key=f"{wf_id}:stripe-customer",
                setup_key=f"{wf_id}:payment-setup:{book.checks[step]}",
                stripe_customer_id=known.stripe_customer_id if known else None,
            ),
            summary="Set up the payment method in Stripe",
            **MONEY_OPTIONS,
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in (
            CARD_DECLINED,
            PAYMENT_SETUP_INCOMPLETE,
        ):
            return CheckResult(errors={"payment_method": "declined; try another card"})
        raise
    return CheckResult(payment=payment)


__all__ = ["CheckResult", "failure_reason", "goes_to_person", "run_check"]
