"""Stripe for `supportflow run`: the offline sandbox or real test mode, and the demo data on it.

The demo CRM rows point at charge ids, so the CRM database and the Stripe account must stay in
step: the sandbox keeps its state in .data/ next to the SQLite CRM, and after seeding every demo
order's charge is looked up, so a lost sandbox state is reported with the fix instead of showing
up later as a failed refund.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import stripe
from pydantic import BaseModel

from integrations.commerce import SqlCommerce
from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from worker.local_stack import INSTALL_LOCAL_EXTRA
from worker.local_stack.demo_data import DEMO_ORDERS, seed_demo_data
from worker.local_stack.demo_disputes import seed_dispute_demos
from worker.local_stack.processes import port_in_use
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox
from worker.settings import Settings

SANDBOX_STATE_FILE = "stripe-sandbox.pickle"
# The signing secret of the sandbox's webhook endpoint for the local API (loopback only).
LOCAL_WEBHOOK_SECRET = "whsec_supportflow_local_sandbox"
SANDBOX_PORT = 8420


class StripeUnusable(Exception):
    """The configured Stripe cannot be used for the demo (for example a live-mode key)."""


@dataclass
class StripeMode:
    """Which Stripe the stack uses, the client to seed it, and what the children need to know."""

    description: str
    billing: StripeBilling
    child_env: dict[str, str] = field(default_factory=dict)
    sandbox: StripeSandbox | None = None

    def stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()


class SeedReport(BaseModel):
    summary: str
    warnings: list[str] = []


def start(settings: Settings, data_dir: Path, log_file: Path) -> StripeMode:
    key = settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else None
    if key is not None:
        if not key.startswith(("sk_test_", "rk_test_")):
            raise StripeUnusable(
                "STRIPE_API_KEY is not a test-mode key; `supportflow run` creates demo charges "
                "and refunds, so it only runs against Stripe test mode or the offline sandbox."
            )
        # Children read STRIPE_API_KEY from the same environment; nothing to pass on.
        return StripeMode(
            description="real Stripe test mode (STRIPE_API_KEY)",
            billing=StripeBilling(key, settings.stripe_api_base),
        )
    if importlib.util.find_spec("localstripe") is None:
        raise StripeUnusable(
            f"the offline Stripe sandbox needs localstripe: {INSTALL_LOCAL_EXTRA}; "
            "or set STRIPE_API_KEY to a Stripe test-mode key."
        )
    sandbox = StripeSandbox(
        0 if port_in_use(SANDBOX_PORT) else SANDBOX_PORT,
        state_file=data_dir / SANDBOX_STATE_FILE,
        log_file=log_file,
    )
    base_url = sandbox.start()
    return StripeMode(
        description=f"offline sandbox {base_url} (state {data_dir / SANDBOX_STATE_FILE})",
        billing=StripeBilling(SANDBOX_API_KEY, base_url),
        child_env={"STRIPE_API_BASE": base_url, "STRIPE_WEBHOOK_SECRET": LOCAL_WEBHOOK_SECRET},
        sandbox=sandbox,
    )


def seed(settings: Settings, mode: StripeMode) -> SeedReport:
    store = CrmStore(settings.database_url)
    try:
        store.migrate()
        result = seed_demo_data(store, mode.billing.create_demo_charge)
        disputes = seed_dispute_demos(store, mode.billing.client)
        missing = _orders_without_charge(store, mode.billing)
    finally:
        store.dispose()
    summary = (
        f"{result.customers_added} customers and {result.orders_added} orders added "
        f"({result.charges_created} new charges)"
        if result.orders_added or result.customers_added
        else f"reused ({len(DEMO_ORDERS)} demo orders already seeded)"
    ) + (f"; {disputes} billing-dispute customers added" if disputes else "")
    warnings = []
    if missing:
        warnings.append(
            f"Stripe has no charge for demo order(s) {', '.join(missing)} (the sandbox state "
            "was removed, or the CRM was seeded against another Stripe account). Refunds for "
            "them will fail; run `supportflow run --fresh` to start the demo data over."
        )
    return SeedReport(summary=summary, warnings=warnings)


def _orders_without_charge(store: CrmStore, billing: StripeBilling) -> list[str]:
    commerce = SqlCommerce(store)
    missing = []
    for demo in DEMO_ORDERS:
        order = commerce.get_order(demo.order_id)
        if order is None or order.charge_id is None:
            missing.append(demo.order_id)
            continue
        try:
            billing.get_charge(order.charge_id)
        except stripe.InvalidRequestError:
            missing.append(demo.order_id)
    return missing
