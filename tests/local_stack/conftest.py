from __future__ import annotations

from tests.stripe_fixtures import stripe_billing, stripe_sandbox, stripe_sandbox_ignoring_keys

__all__ = ["stripe_billing", "stripe_sandbox", "stripe_sandbox_ignoring_keys"]
