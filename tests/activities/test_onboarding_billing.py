"""The signup's Stripe activities against a Stripe that ignores Idempotency-Key (raw localstripe)
and a Stripe that fails: a retry finds the first customer and subscription by their metadata,
a second object carrying one application is an incident, and failures leave as Temporal errors
that say whether a retry can help."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.onboarding_billing import OnboardingBillingActivities
from activities.onboarding_models import PaymentSetupInput, SubscriptionInput
from integrations.stripe_onboarding import APPLICATION_METADATA_KEY, StripeOnboarding
from tests.stripe_fixtures import SANDBOX_API_KEY, stripe_sandbox, stripe_sandbox_ignoring_keys

__all__ = ["stripe_sandbox", "stripe_sandbox_ignoring_keys"]


@pytest.fixture
def raw_stripe(stripe_sandbox_ignoring_keys: str) -> StripeOnboarding:
    stripe = StripeOnboarding(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys)
    stripe.ensure_plan("supportflow_basic_5g", 1500, "gbp", "Basic 5G")
    return stripe


def _setup(app_id: str, payment_method: str = "pm_card_visa") -> PaymentSetupInput:
    return PaymentSetupInput(
        application_id=app_id,
        email=f"{app_id.lower()}@example.com",
        name="Ada",
        payment_method=payment_method,
        customer_key=f"onboarding-{app_id}:stripe-customer",
        setup_key=f"onboarding-{app_id}:payment-setup:1",
    )


def test_retries_find_the_first_customer_and_subscription(raw_stripe: StripeOnboarding) -> None:
    activities = OnboardingBillingActivities(raw_stripe)
    env = ActivityEnvironment()
    first = env.run(activities.set_up_payment, _setup("KEYLESS-1"))
    again = env.run(activities.set_up_payment, _setup("KEYLESS-1"))
    assert again.stripe_customer_id == first.stripe_customer_id and again.customer_found_existing
    request = SubscriptionInput(
        application_id="KEYLESS-1",
        stripe_customer_id=first.stripe_customer_id,
        stripe_plan_id="supportflow_basic_5g",
        trial_end=None,
        idempotency_key="onboarding-KEYLESS-1:subscription",
    )
    made = env.run(activities.start_subscription, request)
    found = env.run(activities.start_subscription, request)
    assert found.subscription_id == made.subscription_id and found.found_existing
    assert raw_stripe.subscriptions_for(first.stripe_customer_id, "KEYLESS-1") == [
        made.subscription_id
    ]


def test_two_subscriptions_for_one_application_are_an_incident(
    raw_stripe: StripeOnboarding,
) -> None:
    activities = OnboardingBillingActivities(raw_stripe)
    env = ActivityEnvironment()
    setup = env.run(activities.set_up_payment, _setup("TWICE-1"))
    for key in ("k1", "k2"):  # what a server ignoring keys does when nobody looks first
        raw_stripe._client.v1.subscriptions.create(
            params={
                "customer": setup.stripe_customer_id,
                "items": [{"plan": "supportflow_basic_5g"}],
                "metadata": {APPLICATION_METADATA_KEY: "TWICE-1"},
            },
            options={"idempotency_key": key},
        )
    with pytest.raises(ApplicationError) as incident:
        env.run(
            activities.start_subscription,
            SubscriptionInput(
                application_id="TWICE-1",
                stripe_customer_id=setup.stripe_customer_id,
                stripe_plan_id="supportflow_basic_5g",
                trial_end=None,
                idempotency_key="onboarding-TWICE-1:subscription",
            ),
        )
    assert incident.value.type == "DuplicateSignupObject" and incident.value.non_retryable


def test_a_declined_card_is_not_retried(raw_stripe: StripeOnboarding) -> None:
    activities = OnboardingBillingActivities(raw_stripe)
    with pytest.raises(ApplicationError) as declined:
        ActivityEnvironment().run(
            activities.set_up_payment, _setup("DECLINE-1", "pm_card_visa_chargeDeclined")
        )
    assert declined.value.type == "CardDeclined" and declined.value.non_retryable


class _Overloaded(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"error": {"type": "api_error", "message": "overloaded"}}'
        self.send_response(503 if "customers" in self.path else 429)
        self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def overloaded_stripe() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Overloaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_overloaded_stripe_is_retried_after_what_it_asked(overloaded_stripe: str) -> None:
    activities = OnboardingBillingActivities(StripeOnboarding(SANDBOX_API_KEY, overloaded_stripe))
    env = ActivityEnvironment()
    with pytest.raises(ApplicationError) as unavailable:
        env.run(activities.set_up_payment, _setup("BUSY-1"))
    assert unavailable.value.type == "StripeUnavailable"
    assert not unavailable.value.non_retryable
    assert unavailable.value.next_retry_delay == timedelta(seconds=7)
    with pytest.raises(ApplicationError) as limited:
        env.run(
            activities.start_subscription,
            SubscriptionInput(
                application_id="BUSY-1",
                stripe_customer_id="cus_x",
                stripe_plan_id="p",
                trial_end=None,
                idempotency_key="k",
            ),
        )
    assert limited.value.type == "StripeRateLimited" and not limited.value.non_retryable
