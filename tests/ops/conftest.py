"""Ops tests reuse the API fixtures: the real app over ASGI, a real dev server, the real worker,
the CRM on SQLite and real charges in the Stripe sandbox."""

from __future__ import annotations

from tests.api.conftest import api, case_worker, seed_order, settings
from tests.stripe_fixtures import stripe_billing, stripe_sandbox

__all__ = ["api", "case_worker", "seed_order", "settings", "stripe_billing", "stripe_sandbox"]
