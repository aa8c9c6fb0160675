"""Stripe for signups: set up the payment method, start the subscription with its trial.

Exactly once (GUIDE §3): the workflow mints the keys from its id and step; the adapter sends
them as Idempotency-Key and in metadata and looks for objects carrying our application id first;
after creating, the look-up runs again and exactly one object may carry it. Stripe failures
leave through `billing_errors`, the one mapping for Stripe.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import stripe_errors
from activities.onboarding_models import (
    PaymentSetupInput,
    PaymentSetupResult,
    SubscriptionInput,
    SubscriptionResult,
)
from integrations.stripe_onboarding import StripeOnboarding, StripeSignupCustomer

# Two customers or subscriptions carry one application: a server ignored our key. Never retried;
# a person removes the duplicate.
DUPLICATE_SIGNUP_OBJECT = "DuplicateSignupObject"
PAYMENT_SETUP_INCOMPLETE = "PaymentSetupIncomplete"


class OnboardingBillingActivities:
    def __init__(self, stripe: StripeOnboarding) -> None:
        self._stripe = stripe

    @activity.defn(name="set_up_signup_payment")
    def set_up_payment(self, data: PaymentSetupInput) -> PaymentSetupResult:
        if data.stripe_customer_id is not None:
            with stripe_errors("update_customer"):
                self._stripe.keep_customer_email(data.stripe_customer_id, data.email, data.name)
            customer = StripeSignupCustomer(data.stripe_customer_id, found_existing=True)
        else:
            with stripe_errors("find_or_create_customer"):
                customer = self._stripe.find_or_create_customer(
                    data.application_id, data.email, data.name, data.customer_key
                )
                found = self._stripe.customers_for(data.application_id, data.email)
            _exactly_one("customer", data.application_id, found)
        with stripe_errors("set_up_payment_method"):
            setup = self._stripe.set_up_payment_method(
                customer.customer_id, data.payment_method, data.setup_key
            )
        if setup.status != "succeeded":
            raise ApplicationError(
                f"The payment method needs the customer to act ({setup.status}).",
                type=PAYMENT_SETUP_INCOMPLETE,
                non_retryable=True,
            )
        return PaymentSetupResult(
            stripe_customer_id=customer.customer_id,
            payment_method_id=setup.payment_method_id,
            setup_intent_id=setup.setup_intent_id,
            customer_found_existing=customer.found_existing,
        )

    @activity.defn(name="start_signup_subscription")
    def start_subscription(self, data: SubscriptionInput) -> SubscriptionResult:
        with stripe_errors("find_or_create_subscription"):
            sub = self._stripe.find_or_create_subscription(
                data.stripe_customer_id,
                data.application_id,
                data.stripe_plan_id,
                data.trial_end,
                data.idempotency_key,
            )
            found = self._stripe.subscriptions_for(data.stripe_customer_id, data.application_id)
        _exactly_one("subscription", data.application_id, found)
        activity.logger.info(
            "Subscription %s for %s (%s)",
            sub.subscription_id,
            data.application_id,
            "found" if sub.found_existing else "created",
        )
        return SubscriptionResult(
            subscription_id=sub.subscription_id,
            status=sub.status,
            trial_end=sub.trial_end,
            found_existing=sub.found_existing,
        )


def _exactly_one(kind: str, application_id: str, found: list[str]) -> None:
    if len(found) == 1:
        return
    if not found:
        # Created, yet not listed: the next attempt's look-up decides (retryable).
        raise ApplicationError(f"The new {kind} of {application_id} is not listed yet.")
    raise ApplicationError(
        f"{len(found)} Stripe {kind}s carry application {application_id}: {', '.join(found)}",
        type=DUPLICATE_SIGNUP_OBJECT,
        non_retryable=True,
    )
