"""Provisioning a finished signup exactly once: the Stripe subscription with its trial, then the
CRM customer and account. Keys come from the workflow id, never the attempt, and each activity
looks for what an earlier attempt made before making anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.onboarding import OnboardingActivities
    from activities.onboarding_billing import OnboardingBillingActivities
    from activities.onboarding_models import (
        AccountInput,
        AccountRecord,
        CataloguePlanInfo,
        PaymentSetupResult,
        SubscriptionInput,
        SubscriptionResult,
    )
    from workflows.case.options import MONEY_OPTIONS, RECORD_OPTIONS
    from workflows.onboarding.steps import StepBook


@dataclass(frozen=True)
class Provisioned:
    subscription: SubscriptionResult
    account: AccountRecord


async def provision(
    book: StepBook,
    application_id: str,
    customer_id: str | None,
    plan: CataloguePlanInfo,
    payment: PaymentSetupResult,
) -> Provisioned:
    """`customer_id`: the existing CRM customer an upgrade belongs to; a new one otherwise."""
    wf_id = workflow.info().workflow_id
    trial_days = book.policy.trial_days
    trial_end = (
        int((workflow.now() + timedelta(days=trial_days)).timestamp()) if trial_days else None
    )
    subscription = await workflow.execute_activity_method(
        OnboardingBillingActivities.start_subscription,
        SubscriptionInput(
            application_id=application_id,
            stripe_customer_id=payment.stripe_customer_id,
            stripe_plan_id=plan.stripe_plan_id,
            trial_end=trial_end,
            idempotency_key=f"{wf_id}:subscription",
        ),
        summary=f"Start the {plan.plan_id} subscription",
        **MONEY_OPTIONS,
    )
    account = await workflow.execute_activity_method(
        OnboardingActivities.create_account,
        AccountInput(
            application_id=application_id,
            customer_id=customer_id or f"cust-{application_id}",
            name=book.field("contact", "full_name"),
            email=book.field("contact", "email"),
            plan_id=plan.plan_id,
            stripe_customer_id=payment.stripe_customer_id,
            stripe_subscription_id=subscription.subscription_id,
            at=workflow.now(),
            ticket_id=wf_id,
        ),
        summary="Create the CRM account",
        **RECORD_OPTIONS,
    )
    return Provisioned(subscription=subscription, account=account)
