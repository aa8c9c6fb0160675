from __future__ import annotations

from tests.stripe_fixtures import stripe_billing, stripe_sandbox

__all__ = ["stripe_billing", "stripe_sandbox"]
