"""Billing activities against the Stripe sandbox with the real SDK; outcomes are asserted in
Stripe (the refunds that exist), not only in return values."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import billing_errors as errors
from activities.billing import BillingActivities
from activities.models import ChargeStateInput, IssueRefundInput, RefundResult
from integrations.stripe_billing import (
    IDEMPOTENCY_METADATA_KEY,
    KEY_GENERATION_METADATA_KEY,
    StripeBilling,
)
from tests.stripe_fixtures import SANDBOX_API_KEY, sandbox_charge

# What a refund attempt gets when the workflow leaves enough room for its calls.
ATTEMPT_BUDGET = timedelta(seconds=30)


def refund_input(charge_id: str, amount_cents: int, key: str | None = None) -> IssueRefundInput:
    return IssueRefundInput(
        idempotency_key=key or f"ticket-{uuid.uuid4().hex[:8]}/refund",
        charge_id=charge_id,
        amount_cents=amount_cents,
        currency="usd",
        ticket_id="T-1001",
        workflow_id="ticket-T-1001",
        approval_request_id="apr-1",
    )


def activity_env(start_to_close: timedelta = ATTEMPT_BUDGET) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, start_to_close_timeout=start_to_close)
    return env


def issue(billing: StripeBilling, request: IssueRefundInput) -> RefundResult:
    return activity_env().run(BillingActivities(billing).issue_refund, request)


def test_refund_is_created_with_our_metadata(stripe_billing: StripeBilling) -> None:
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 1_500)

    result = issue(stripe_billing, request)

    assert result.found_existing is False
    assert (result.charge_id, result.amount_cents, result.currency) == (charge_id, 1_500, "usd")
    (refund,) = stripe_billing.list_refunds(charge_id)
    assert refund.refund_id == result.refund_id
    assert refund.metadata == {
        "workflow_id": "ticket-T-1001",
        "ticket_id": "T-1001",
        "approval_request_id": "apr-1",
        IDEMPOTENCY_METADATA_KEY: request.idempotency_key,
        KEY_GENERATION_METADATA_KEY: "1",
    }
    assert stripe_billing.get_charge(charge_id).amount_refunded_cents == 1_500


def test_retry_with_same_key_finds_the_first_refund(stripe_sandbox_ignoring_keys: str) -> None:
    # Straight to localstripe, which ignores Idempotency-Key (as Stripe does after 24 h): only
    # the pre-check stands between a retry and a second payment here.
    billing = StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys)
    charge_id = sandbox_charge(billing)
    request = refund_input(charge_id, 2_000)

    first = issue(billing, request)
    second = issue(billing, request)

    assert second.found_existing is True
    assert second.refund_id == first.refund_id
    assert len(billing.list_refunds(charge_id)) == 1
    assert billing.get_charge(charge_id).amount_refunded_cents == 2_000


def test_retry_after_a_crash_past_stripe_finds_the_refund(stripe_billing: StripeBilling) -> None:
    # Attempt 1 reached Stripe, then the worker died before completing the activity.
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 5_000)
    created = stripe_billing.create_refund(charge_id, 5_000, request.idempotency_key, {})

    retried = issue(stripe_billing, request)

    # Found before the refundable check, which would otherwise refuse: nothing is left.
    assert (retried.refund_id, retried.found_existing) == (created.refund_id, True)
    assert len(stripe_billing.list_refunds(charge_id)) == 1


def test_different_steps_refund_separately(stripe_billing: StripeBilling) -> None:
    charge_id = sandbox_charge(stripe_billing)

    first = issue(stripe_billing, refund_input(charge_id, 1_000, "ticket-A/refund"))
    second = issue(stripe_billing, refund_input(charge_id, 1_000, "ticket-B/refund"))

    assert first.refund_id != second.refund_id
    assert not second.found_existing
    assert len(stripe_billing.list_refunds(charge_id)) == 2


@pytest.mark.parametrize(("already_refunded", "requested"), [(0, 5_001), (4_000, 1_001)])
def test_over_refund_is_refused(
    stripe_billing: StripeBilling, already_refunded: int, requested: int
) -> None:
    charge_id = sandbox_charge(stripe_billing)
    if already_refunded:
        issue(stripe_billing, refund_input(charge_id, already_refunded))

    with pytest.raises(ApplicationError) as raised:
        issue(stripe_billing, refund_input(charge_id, requested))

    assert raised.value.type == errors.REFUND_EXCEEDS_REFUNDABLE
    assert raised.value.non_retryable
    assert raised.value.details == ({"refundable_cents": 5_000 - already_refunded},)
    assert sum(r.amount_cents for r in stripe_billing.list_refunds(charge_id)) == already_refunded


def test_exact_remaining_amount_is_allowed(stripe_billing: StripeBilling) -> None:
    charge_id = sandbox_charge(stripe_billing)
    issue(stripe_billing, refund_input(charge_id, 4_000))

    issue(stripe_billing, refund_input(charge_id, 1_000))

    assert stripe_billing.get_charge(charge_id).refundable_cents == 0


def test_currency_mismatch_is_refused(stripe_billing: StripeBilling) -> None:
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 100).model_copy(update={"currency": "eur"})

    with pytest.raises(ApplicationError) as raised:
        issue(stripe_billing, request)

    assert (raised.value.type, raised.value.non_retryable) == (
        errors.REFUND_CURRENCY_MISMATCH,
        True,
    )
    assert stripe_billing.list_refunds(charge_id) == []


def test_unknown_charge_is_a_permanent_failure(stripe_billing: StripeBilling) -> None:
    with pytest.raises(ApplicationError) as raised:
        issue(stripe_billing, refund_input("ch_doesnotexist000", 100))

    assert (raised.value.type, raised.value.non_retryable) == (errors.INVALID_REQUEST, True)


def test_charge_state_reflects_refunds(stripe_billing: StripeBilling) -> None:
    charge_id = sandbox_charge(stripe_billing, 7_300)
    issue(stripe_billing, refund_input(charge_id, 300))

    state = ActivityEnvironment().run(
        BillingActivities(stripe_billing).get_charge_state, ChargeStateInput(charge_id=charge_id)
    )

    assert state.model_dump() == {
        "charge_id": charge_id,
        "amount_cents": 7_300,
        "amount_refunded_cents": 300,
        "currency": "usd",
        "status": "succeeded",
        "refunded_since_cents": None,
        "refunds_since": None,  # not asked for: no window read
    }
