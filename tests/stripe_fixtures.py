"""Stripe sandbox fixtures, shared by every test folder that needs real Stripe API calls.

Use from a conftest.py (or a test module):

    from tests.stripe_fixtures import stripe_billing, stripe_sandbox  # noqa: F401

`stripe_sandbox` is one fresh, memory-only localstripe process per test session, bound to
127.0.0.1 on a free port; it yields the base URL to give to `StripeBilling` or to a worker as
STRIPE_API_BASE, with `SANDBOX_API_KEY` as STRIPE_API_KEY. That URL honours Idempotency-Key as
Stripe does (worker/local_stack/stripe_idempotency.py). `stripe_sandbox_ignoring_keys` is the same
localstripe without that layer, for tests of a server that ignores keys; both see the same
objects. Tests share them, so each test creates its own charges (`sandbox_charge`) and asserts
on those only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.stripe_billing import StripeBilling
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox

__all__ = [
    "SANDBOX_API_KEY",
    "sandbox_charge",
    "stripe_billing",
    "stripe_sandbox",
    "stripe_sandbox_ignoring_keys",
]

# Base URL -> its raw localstripe URL. Kept here, not in a third fixture, so every conftest
# that imports only `stripe_sandbox` keeps working.
_RAW_URLS: dict[str, str] = {}


@pytest.fixture(scope="session")
def stripe_sandbox() -> Iterator[str]:
    with StripeSandbox() as sandbox:
        _RAW_URLS[sandbox.base_url] = sandbox.raw_base_url
        yield sandbox.base_url
        _RAW_URLS.pop(sandbox.base_url, None)


@pytest.fixture(scope="session")
def stripe_sandbox_ignoring_keys(stripe_sandbox: str) -> str:
    return _RAW_URLS[stripe_sandbox]


@pytest.fixture
def stripe_billing(stripe_sandbox: str) -> StripeBilling:
    """A client on the session sandbox, as the worker would build it from its settings."""
    return StripeBilling(SANDBOX_API_KEY, stripe_sandbox)


def sandbox_charge(
    billing: StripeBilling,
    amount_cents: int = 5_000,
    currency: str = "usd",
    *,
    payment_method: str = "pm_card_visa",
) -> str:
    """A fresh succeeded charge in the sandbox; returns its id."""
    charge_id, _ = billing.create_demo_charge(
        amount_cents,
        currency,
        "supportflow test order",
        "customer@example.com",
        payment_method=payment_method,
        restrict_to_cards=False,
    )
    return charge_id
