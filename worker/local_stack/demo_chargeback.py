"""The chargeback demo of `make run`: the offline Stripe's dispute reaches the API as signed
webhooks and a chargeback case waits for review with its evidence deadline.

Only with the offline sandbox: in real Stripe test mode a dispute comes from paying with
`pm_card_createDispute`, and its webhooks reach this machine only through `stripe listen
--forward-to <api>/webhooks/stripe` (README, "Chargebacks"). Idempotent across runs: the
webhook endpoint is registered once and the demo order is disputed once.
"""

from __future__ import annotations

import asyncio
import time

import stripe
from temporalio.client import Client

from integrations.commerce import SqlCommerce
from integrations.crm_store import CrmStore
from worker.data_converter import data_converter
from worker.local_stack.demo_stripe import LOCAL_WEBHOOK_SECRET, StripeMode
from worker.local_stack.startup import say
from worker.local_stack.stripe_extras.helpers import extras_call, open_dispute
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY
from worker.settings import Settings
from workflows.chargeback.contract import (
    ChargebackStatus,
    chargeback_ticket_id,
    chargeback_workflow_id,
)

DEMO_ORDER = "ord_5005"
DEMO_REASON = "product_unacceptable"
SETTLE_TIMEOUT_SECONDS = 60.0


def _client(base_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(SANDBOX_API_KEY, base_addresses={"api": base_url})


def ensure_webhook_endpoint(base_url: str, api_url: str) -> None:
    url = f"{api_url}/webhooks/stripe"
    existing = _client(base_url).v1.webhook_endpoints.list(params={"limit": 100}).data
    if not any(endpoint.url == url for endpoint in existing):
        extras_call(
            base_url, "/_extras/webhook_endpoints", {"url": url, "secret": LOCAL_WEBHOOK_SECRET}
        )


def ensure_demo_dispute(base_url: str, settings: Settings) -> str:
    """The demo order's dispute: opened on the first run, found on later ones."""
    store = CrmStore(settings.database_url)
    try:
        order = SqlCommerce(store).get_order(DEMO_ORDER)
    finally:
        store.dispose()
    if order is None or order.charge_id is None:
        raise RuntimeError(f"demo order {DEMO_ORDER} has no charge; run `supportflow run --fresh`")
    found = _client(base_url).v1.disputes.list(params={"charge": order.charge_id}).data
    if found:
        return str(found[0].id)
    return str(open_dispute(base_url, order.charge_id, reason=DEMO_REASON)["id"])


async def show_demo_chargeback(
    settings: Settings, mode: StripeMode | None, temporal_address: str, ui_url: str, api_url: str
) -> None:
    if mode is None:
        return
    if mode.sandbox is None:
        say(
            "\n[chargeback] real Stripe test mode: pay with pm_card_createDispute to see one (README)."
        )
        return
    base_url = mode.sandbox.base_url
    await asyncio.to_thread(ensure_webhook_endpoint, base_url, api_url)
    dispute_id = await asyncio.to_thread(ensure_demo_dispute, base_url, settings)
    workflow_id = chargeback_workflow_id(dispute_id)
    client = await Client.connect(temporal_address, data_converter=data_converter(settings))
    handle = client.get_workflow_handle(workflow_id)
    status: ChargebackStatus | None = None
    give_up = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while time.monotonic() < give_up:
        try:
            status = await handle.query("status", result_type=ChargebackStatus)
            if status.state not in ("received", "evaluating"):
                break
        except Exception:  # the first event may not have arrived yet
            pass
        await asyncio.sleep(0.5)
    say(f"\n[chargeback] dispute {dispute_id} on order {DEMO_ORDER} (signed webhooks)")
    if status is None:
        say("  no case yet: see the API and stripe-sandbox-extras logs")
        return
    say(f"  {status.state}; recommended: {status.recommended_action} ({status.decision_rule})")
    if status.due_by is not None:
        say(f"  evidence due {status.due_by:%Y-%m-%d %H:%M} UTC")
    if status.decide_by is not None and status.action is None:
        say(
            f"  if nobody decides, the policy's default runs at {status.decide_by:%Y-%m-%d %H:%M} UTC"
        )
    pending = status.pending_approval
    if pending is not None and status.action is None:
        say(f"  review by {', '.join(pending.approvers)} (Approve = contest, Reject = accept)")
        ticket = chargeback_ticket_id(dispute_id)
        say(
            f"  Approve: supportflow approve {ticket} --key-file .data/keys/{pending.approvers[0]}.key"
        )
    say(f"  {ui_url}/namespaces/default/workflows/{workflow_id}")
