"""The local Stripe honours Idempotency-Key as Stripe documents it (issue 7, defect 10).

Over real HTTP with the real `stripe` SDK: the sandbox process (its announced base URL is the
idempotency proxy in front of localstripe), or an in-process `IdempotencyProxy` where a test
needs to hold the first request in flight or to move its clock. What was paid is read from
localstripe directly, behind the proxy.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio
import stripe
from aiohttp import web

from activities import billing_errors as errors
from activities.billing_errors import to_application_error
from integrations.stripe_billing import StripeBilling
from tests.crash.stripe_proxy import Boundary, StripeProxy
from tests.stripe_fixtures import (
    SANDBOX_API_KEY,
    sandbox_charge,
    stripe_billing,
    stripe_sandbox,
    stripe_sandbox_ignoring_keys,
)
from worker.local_stack.stripe_idempotency import KEY_TTL_SECONDS, IdempotencyProxy

__all__ = ["stripe_billing", "stripe_sandbox", "stripe_sandbox_ignoring_keys"]


def client(base_url: str, api_key: str = SANDBOX_API_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(api_key, base_addresses={"api": base_url}, max_network_retries=0)


def refund(
    base_url: str, charge_id: str, amount: int, key: str, api_key: str = SANDBOX_API_KEY
) -> stripe.Refund:
    return client(base_url, api_key).v1.refunds.create(
        params={"charge": charge_id, "amount": amount, "metadata": {"supportflow_key": key}},
        options={"idempotency_key": key},
    )


def paid(raw_url: str, charge_id: str) -> list[str]:
    return [r.refund_id for r in StripeBilling(SANDBOX_API_KEY, raw_url).list_refunds(charge_id)]


class LocalProxy:
    """An `IdempotencyProxy` served on loopback from the test's event loop."""

    def __init__(self, upstream: str, clock: Callable[[], float]) -> None:
        self.proxy = IdempotencyProxy(upstream, clock=clock)
        self.runner = web.AppRunner(self.proxy.app())
        self.base_url = ""

    async def start(self) -> None:
        await self.runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self.runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def held_upstream(stripe_sandbox_ignoring_keys: str) -> AsyncIterator[StripeProxy]:
    """The fault proxy between the idempotency proxy and localstripe, to keep a request
    executing for as long as the test wants."""
    faults = StripeProxy(stripe_sandbox_ignoring_keys)
    await faults.start()
    yield faults
    await faults.close()


@pytest_asyncio.fixture
async def local_proxy(held_upstream: StripeProxy) -> AsyncIterator[tuple[LocalProxy, FakeClock]]:
    clock = FakeClock()
    local = LocalProxy(held_upstream.base_url, clock)
    await local.start()
    yield local, clock
    await local.runner.cleanup()


def test_same_key_and_parameters_replay_the_first_answer(
    stripe_sandbox: str, stripe_sandbox_ignoring_keys: str, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing, 1_300)

    first = refund(stripe_sandbox, charge_id, 1_300, "ticket-A:refund")
    second = refund(stripe_sandbox, charge_id, 1_300, "ticket-A:refund")

    assert second.id == first.id
    assert second.last_response is not None
    assert second.last_response.headers.get("Idempotent-Replayed") == "true"
    assert paid(stripe_sandbox_ignoring_keys, charge_id) == [first.id]
    assert stripe_billing.get_charge(charge_id).amount_refunded_cents == 1_300


def test_same_key_with_other_parameters_is_refused(
    stripe_sandbox: str, stripe_sandbox_ignoring_keys: str, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing, 1_300)
    first = refund(stripe_sandbox, charge_id, 500, "ticket-B:refund")

    with pytest.raises(stripe.IdempotencyError) as raised:
        refund(stripe_sandbox, charge_id, 600, "ticket-B:refund")

    assert raised.value.http_status == 400
    assert raised.value.error is not None and raised.value.error.type == "idempotency_error"
    failure = to_application_error(raised.value, "create_refund")
    assert (failure.type, failure.non_retryable) == (errors.IDEMPOTENCY_CONFLICT, True)
    assert paid(stripe_sandbox_ignoring_keys, charge_id) == [first.id]


async def test_same_key_while_the_first_is_in_flight_is_a_conflict(
    local_proxy: tuple[LocalProxy, FakeClock],
    held_upstream: StripeProxy,
    stripe_sandbox_ignoring_keys: str,
) -> None:
    local, _ = local_proxy
    charge_id = sandbox_charge(StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys))
    hold = held_upstream.hold("POST", "/v1/refunds", Boundary.BEFORE_STRIPE)
    first = asyncio.ensure_future(
        asyncio.to_thread(refund, local.base_url, charge_id, 800, "ticket-C:refund")
    )
    await asyncio.wait_for(hold.reached.wait(), 30)

    try:
        # The SDK raises its generic APIError for a v1 409, whatever the error type.
        with pytest.raises(stripe.APIError) as raised:
            await asyncio.to_thread(refund, local.base_url, charge_id, 800, "ticket-C:refund")
    finally:
        hold.release()
    created = await first

    assert raised.value.http_status == 409
    assert raised.value.error is not None and raised.value.error.type == "idempotency_error"
    # Retryable: once the first request is done, the retry gets its answer.
    failure = to_application_error(raised.value, "create_refund")
    assert (failure.type, failure.non_retryable) == (errors.CONFLICT, False)
    replayed = await asyncio.to_thread(refund, local.base_url, charge_id, 800, "ticket-C:refund")
    assert replayed.id == created.id
    assert paid(stripe_sandbox_ignoring_keys, charge_id) == [created.id]


async def test_request_abandoned_by_its_client_still_completes_and_is_replayed(
    local_proxy: tuple[LocalProxy, FakeClock],
    held_upstream: StripeProxy,
    stripe_sandbox_ignoring_keys: str,
) -> None:
    """A server finishes what it started: the answer is kept for the retry."""
    local, _ = local_proxy
    charge_id = sandbox_charge(StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys))
    hold = held_upstream.hold("POST", "/v1/refunds", Boundary.BEFORE_STRIPE)
    impatient = StripeBilling(SANDBOX_API_KEY, local.base_url, timeout_seconds=1)

    try:
        with pytest.raises(stripe.APIConnectionError):
            await asyncio.to_thread(impatient.create_refund, charge_id, 800, "ticket-D:refund", {})
    finally:
        hold.release()
    await asyncio.wait_for(hold.delivered.wait(), 30)
    retried = await asyncio.to_thread(
        impatient.create_refund, charge_id, 800, "ticket-D:refund", {}
    )

    assert paid(stripe_sandbox_ignoring_keys, charge_id) == [retried.refund_id]


def test_keys_are_scoped_per_api_key(
    stripe_sandbox: str, stripe_sandbox_ignoring_keys: str, stripe_billing: StripeBilling
) -> None:
    charge_id = sandbox_charge(stripe_billing, 2_000)

    mine = refund(stripe_sandbox, charge_id, 500, "shared-key")
    theirs = refund(stripe_sandbox, charge_id, 500, "shared-key", api_key="sk_test_other_account")

    assert mine.id != theirs.id
    assert sorted(paid(stripe_sandbox_ignoring_keys, charge_id)) == sorted([mine.id, theirs.id])


async def test_keys_are_forgotten_after_24_hours(
    local_proxy: tuple[LocalProxy, FakeClock], stripe_sandbox_ignoring_keys: str
) -> None:
    local, clock = local_proxy
    charge_id = sandbox_charge(StripeBilling(SANDBOX_API_KEY, stripe_sandbox_ignoring_keys))
    first = await asyncio.to_thread(refund, local.base_url, charge_id, 100, "ticket-E:refund")

    clock.now += KEY_TTL_SECONDS - 1
    within = await asyncio.to_thread(refund, local.base_url, charge_id, 100, "ticket-E:refund")
    clock.now += 2
    after = await asyncio.to_thread(refund, local.base_url, charge_id, 100, "ticket-E:refund")

    assert within.id == first.id
    # Past the window the key is new again, as at Stripe: only our metadata pre-check remains.
    assert after.id != first.id
    assert len(paid(stripe_sandbox_ignoring_keys, charge_id)) == 2
