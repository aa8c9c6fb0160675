"""The credit activity against the Stripe sandbox (extras server) with the real SDK: once per
key, found again by the pre-check, and two credits carrying one key stop the case for a person.
Outcomes are asserted in Stripe (the credits that exist), not only in return values."""

from __future__ import annotations

import uuid

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import billing_errors as errors
from activities.billing_credits import BillingCreditActivities, IssueCreditInput
from integrations.stripe_billing import StripeBilling
from integrations.stripe_credits import StripeCredits
from tests.stripe_fixtures import SANDBOX_API_KEY


def a_customer(billing: StripeBilling) -> str:
    return billing.client.v1.customers.create(params={"email": "credit@example.com"}).id


def credit_input(customer: str, key: str) -> IssueCreditInput:
    return IssueCreditInput(
        idempotency_key=key,
        stripe_customer_id=customer,
        charge_id="ch_x",
        amount_cents=1_250,
        currency="usd",
        description="Billing correction",
        ticket_id="T-1",
        workflow_id="ticket-T-1",
    )


def test_credit_is_made_once_per_key(stripe_billing: StripeBilling, stripe_sandbox: str) -> None:
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)
    activities = BillingCreditActivities(credits)
    customer, key = a_customer(stripe_billing), f"ticket-{uuid.uuid4().hex[:8]}:adjust:ch_x"

    first = ActivityEnvironment().run(activities.issue_credit, credit_input(customer, key))
    again = ActivityEnvironment().run(activities.issue_credit, credit_input(customer, key))

    assert (first.found_existing, again.found_existing) == (False, True)
    assert first.credit_id == again.credit_id and first.amount_cents == 1_250
    [credit] = credits.balance_credits_with_key(customer, key)
    assert credit.credit_id == first.credit_id


def test_two_credits_with_one_key_are_an_incident_not_a_result(
    stripe_billing: StripeBilling, stripe_sandbox: str
) -> None:
    """As a server that ignored Idempotency-Key would leave it: two credits carry our key."""
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)
    customer, key = a_customer(stripe_billing), f"ticket-{uuid.uuid4().hex[:8]}:adjust:ch_x"
    for attempt in ("a", "b"):
        stripe_billing.client.v1.customers.balance_transactions.create(
            customer,
            params={"amount": -1_250, "currency": "usd", "metadata": {"supportflow_key": key}},
            options={"idempotency_key": f"{key}-{attempt}"},
        )

    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            BillingCreditActivities(credits).issue_credit, credit_input(customer, key)
        )
    assert raised.value.type == errors.DUPLICATE_CREDIT_DETECTED and raised.value.non_retryable
    assert len(credits.balance_credits_with_key(customer, key)) == 2  # nothing more was made
