"""Backtests over cases real workflows decided: the refund workflow fixtures (time-skipping
server, a worker on a SQLite CRM and the Stripe sandbox)."""

from __future__ import annotations

from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from tests.workflows.conftest import cases, worker_deps

__all__ = ["cases", "stripe_billing", "stripe_sandbox", "worker_deps"]
