"""What `issue_refund` does with the refunds Stripe already holds for its key (issue 7, defects 6
and 10): a live one is reused, a dead one stops the step with Stripe's reason, two stop it as a
duplicate. The sandbox's answers are rewritten by the fault proxy where a real Stripe would say
something localstripe cannot (a `failed` refund), so the real SDK parses real HTTP answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError

from activities import billing_errors as errors
from activities.billing import BillingActivities
from activities.models import ChargeStateInput, IssueRefundInput, RefundResult
from integrations.stripe_billing import (
    KEY_GENERATION_METADATA_KEY,
    StripeBilling,
)
from tests.billing.test_issue_refund import activity_env, refund_input
from tests.crash.stripe_proxy import Boundary, StripeProxy
from tests.stripe_fixtures import SANDBOX_API_KEY, sandbox_charge
from workflows.case.options import MONEY_OPTIONS

FAILURE_REASON = "expired_or_canceled_card"


@pytest_asyncio.fixture
async def faulty(stripe_sandbox: str) -> AsyncIterator[StripeProxy]:
    proxy = StripeProxy(stripe_sandbox)
    await proxy.start()
    yield proxy
    await proxy.close()


async def issue_async(billing: StripeBilling, request: IssueRefundInput) -> RefundResult:
    return await asyncio.to_thread(issue_sync, billing, request)


def issue_sync(billing: StripeBilling, request: IssueRefundInput) -> RefundResult:
    return activity_env().run(BillingActivities(billing).issue_refund, request)


async def refund_failure(billing: StripeBilling, request: IssueRefundInput) -> ApplicationError:
    with pytest.raises(ApplicationError) as raised:
        await issue_async(billing, request)
    return raised.value


async def test_failed_refund_found_by_the_pre_check_is_not_reported_as_success(
    faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    # Attempt 1 created the refund; the card behind it is gone, so Stripe later marks it
    # failed. Before the fix the retry "found" it and the customer was told they were refunded.
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 1_200)
    created = stripe_billing.create_refund(charge_id, 1_200, request.idempotency_key, {})
    faulty.override_refunds(request.idempotency_key, status="failed", failure_reason=FAILURE_REASON)
    through_faults = StripeBilling(SANDBOX_API_KEY, faulty.base_url)

    for _ in range(2):  # every retry meets the same dead refund, and says so again
        failure = await refund_failure(through_faults, request)
        assert (failure.type, failure.non_retryable) == (errors.REFUND_FAILED, True)
        assert FAILURE_REASON in failure.message and created.refund_id in failure.message
        assert failure.details[0]["failure_reason"] == FAILURE_REASON

    # Nothing new was paid under the dead key.
    assert [r.refund_id for r in stripe_billing.list_refunds(charge_id)] == [created.refund_id]
    assert not faulty.calls_to("POST", "/v1/refunds")


async def test_refund_that_comes_back_failed_from_create_fails_the_step(
    faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 900)
    faulty.override_refunds(request.idempotency_key, status="canceled", failure_reason=None)

    failure = await refund_failure(StripeBilling(SANDBOX_API_KEY, faulty.base_url), request)

    assert (failure.type, failure.non_retryable) == (errors.REFUND_FAILED, True)
    assert "canceled" in failure.message and "Stripe gave no reason" in failure.message
    assert len(faulty.calls_to("POST", "/v1/refunds")) == 1


@pytest.mark.parametrize("status", ["pending", "requires_action"])
async def test_refund_still_in_progress_is_reused(
    status: str, faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing)
    request = refund_input(charge_id, 700)
    created = stripe_billing.create_refund(charge_id, 700, request.idempotency_key, {})
    faulty.override_refunds(request.idempotency_key, status=status)

    result = await issue_async(StripeBilling(SANDBOX_API_KEY, faulty.base_url), request)

    assert (result.refund_id, result.status, result.found_existing) == (
        created.refund_id,
        status,
        True,
    )
    assert len(stripe_billing.list_refunds(charge_id)) == 1


async def test_a_new_key_generation_refunds_after_a_failure(
    faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing)
    first = refund_input(charge_id, 1_000, "ticket-T-9:refund:g1")
    faulty.override_refunds(first.idempotency_key, status="failed", failure_reason="unknown")
    through_faults = StripeBilling(SANDBOX_API_KEY, faulty.base_url)
    assert (await refund_failure(through_faults, first)).type == errors.REFUND_FAILED

    second = first.model_copy(
        update={"idempotency_key": "ticket-T-9:refund:g2", "key_generation": 2}
    )
    result = await issue_async(through_faults, second)

    assert result.found_existing is False
    (paid,) = stripe_billing.refunds_with_key(charge_id, "ticket-T-9:refund:g2")
    assert paid.refund_id == result.refund_id
    assert paid.metadata[KEY_GENERATION_METADATA_KEY] == "2"


def test_two_refunds_with_our_key_are_a_duplicate_never_a_success(
    stripe_sandbox_ignoring_keys: str,
) -> None:
    # A server that ignored Idempotency-Key already paid twice under one key.
    billing = StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys)
    charge_id = sandbox_charge(billing)
    request = refund_input(charge_id, 1_300)
    paid = [billing.create_refund(charge_id, 1_300, request.idempotency_key, {}) for _ in range(2)]

    with pytest.raises(ApplicationError) as raised:
        issue_sync(billing, request)

    assert (raised.value.type, raised.value.non_retryable) == (
        errors.DUPLICATE_REFUND_DETECTED,
        True,
    )
    assert all(refund.refund_id in raised.value.message for refund in paid)
    assert len(billing.list_refunds(charge_id)) == 2  # and nothing more was paid


async def test_two_refunds_after_creating_are_a_duplicate(
    stripe_sandbox_ignoring_keys: str,
) -> None:
    """The create's own answer is one refund, but the charge then lists two with our key: the
    first attempt's POST, held past its attempt, landed at a server that ignores keys."""
    proxy = StripeProxy(stripe_sandbox_ignoring_keys)
    await proxy.start()
    try:
        short = StripeBilling(SANDBOX_API_KEY, proxy.base_url, timeout_seconds=3)
        charge_id = sandbox_charge(StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys))
        request = refund_input(charge_id, 1_300)
        hold = proxy.hold("POST", "/v1/refunds", Boundary.UNTIL_NEXT_CALL)

        timed_out = await refund_failure(short, request)
        assert timed_out.type == errors.CONNECTION_ERROR and not timed_out.non_retryable
        assert hold.reached.is_set() and not hold.delivered.is_set()

        duplicate = await refund_failure(short, request)
    finally:
        await proxy.close()

    assert (duplicate.type, duplicate.non_retryable) == (errors.DUPLICATE_REFUND_DETECTED, True)
    ids = duplicate.details[0]["refund_ids"]
    assert len(ids) == 2 and all(refund_id in duplicate.message for refund_id in ids)


async def test_refund_post_is_not_started_without_time_to_finish_it(
    faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing)
    billing = StripeBilling(SANDBOX_API_KEY, faulty.base_url)  # 5 s HTTP timeout
    tight = activity_env(start_to_close=timedelta(seconds=3))

    with pytest.raises(ApplicationError) as raised:
        await asyncio.to_thread(
            tight.run, BillingActivities(billing).issue_refund, refund_input(charge_id, 100)
        )

    assert (raised.value.type, raised.value.non_retryable) == (errors.ATTEMPT_TOO_SHORT, False)
    assert not faulty.calls_to("POST", "/v1/refunds")
    assert stripe_billing.list_refunds(charge_id) == []


def test_http_timeout_is_well_below_the_refund_attempt() -> None:
    # Configuration, not a measurement: the refund step's four Stripe calls, each bounded by the
    # client's HTTP timeout, fit inside the attempt the workflow gives it.
    attempt = MONEY_OPTIONS["start_to_close_timeout"].total_seconds()
    assert 4 * StripeBilling(SANDBOX_API_KEY).timeout_seconds < attempt


async def test_charge_state_counts_live_refunds_since(
    faulty: StripeProxy, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing, 9_000)
    live = stripe_billing.create_refund(charge_id, 1_000, "k-live", {})
    stripe_billing.create_refund(charge_id, 2_000, "k-failed", {})
    faulty.override_refunds("k-failed", status="failed", failure_reason="unknown")
    assert live.created is not None
    activities = BillingActivities(StripeBilling(SANDBOX_API_KEY, faulty.base_url))

    def state(since: datetime | None) -> int | None:
        request = ChargeStateInput(charge_id=charge_id, refunds_since=since)
        return activity_env().run(activities.get_charge_state, request).refunded_since_cents

    assert await asyncio.to_thread(state, None) is None
    # The failed refund moved no money; the live one counts from its own second onwards.
    assert await asyncio.to_thread(state, live.created + timedelta(milliseconds=999)) == 1_000
    assert await asyncio.to_thread(state, datetime.now(UTC) + timedelta(minutes=1)) == 0
