"""The dispute and credit clients against the offline Stripe (extras server over localstripe)."""

from __future__ import annotations

import pytest
import stripe

from integrations.stripe_billing import StripeBilling
from integrations.stripe_credits import StripeCredits
from integrations.stripe_disputes import StripeDisputes
from tests.stripe_fixtures import SANDBOX_API_KEY, sandbox_charge
from worker.local_stack.stripe_extras.helpers import open_dispute


def test_evidence_and_acceptance_carry_our_key(
    stripe_sandbox: str, stripe_billing: StripeBilling
) -> None:
    disputes = StripeDisputes(SANDBOX_API_KEY, stripe_sandbox)
    charge = sandbox_charge(stripe_billing, 2_500)
    contested = open_dispute(stripe_sandbox, charge, reason="fraudulent")["id"]

    read = disputes.get_dispute(contested)
    assert (read.amount_cents, read.reason, read.respondable) == (2_500, "fraudulent", True)
    assert read.due_by is not None and read.funds_cents == (-2_500,)
    submitted = disputes.submit_evidence(contested, {"receipt": "r-1"}, "key-a")
    assert submitted.carries("key-a") and submitted.submission_count == 1
    assert submitted.evidence == {"receipt": "r-1"}
    assert [d.dispute_id for d in disputes.disputes_on_charge(charge)] == [contested]

    accepted = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing), reason="duplicate")
    closed = disputes.accept(accepted["id"], "key-b")
    assert closed.status == "lost" and closed.carries("key-b")


def test_refunding_a_disputed_charge_is_refused_with_its_code(
    stripe_sandbox: str, stripe_billing: StripeBilling
) -> None:
    charge = sandbox_charge(stripe_billing)
    open_dispute(stripe_sandbox, charge)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_billing.create_refund(charge, 100, "refund-key", {})
    assert refused.value.code == "charge_disputed"


def test_balance_credits_are_found_by_key(stripe_sandbox: str) -> None:
    client = stripe.StripeClient(SANDBOX_API_KEY, base_addresses={"api": stripe_sandbox})
    customer = client.v1.customers.create(params={"email": "credit@example.com"}).id
    credits = StripeCredits(SANDBOX_API_KEY, stripe_sandbox)

    first = credits.credit_balance(customer, 900, "usd", "adj-1", "Duplicate charge", {})
    again = credits.credit_balance(customer, 900, "usd", "adj-1", "Duplicate charge", {})
    credits.credit_balance(customer, 100, "usd", "adj-2", "Other", {})

    assert again.credit_id == first.credit_id and first.amount_cents == 900
    assert [c.credit_id for c in credits.balance_credits_with_key(customer, "adj-1")] == [
        first.credit_id
    ]
