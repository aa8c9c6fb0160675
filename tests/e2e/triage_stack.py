"""The production worker as a deployment without an LLM runs it: rules triage, the demo help
center in a SQLite FTS5 knowledge base, hand-offs to the CRM outbox, the Stripe sandbox.

Built like `deps_from_settings` (the ticket activities come from the settings, exactly as the
worker process builds them) but on this test's SQLite CRM and knowledge file. Shared by the
end-to-end and CLI tests of triaged tickets.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Replayer

from activities.chat import ChatActivities
from activities.models import OrderLineInfo
from activities.policy import PolicyActivities
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment
from integrations.stripe_billing import StripeBilling
from worker.data_converter import data_converter
from worker.local_stack.demo_triage import ingest_demo_help_center
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from worker.worker_app import WORKFLOWS, WorkerDeps

HISTORY_DIR = Path(__file__).resolve().parent.parent / "histories"


def triage_settings(base: Settings, tmp_path: Path) -> Settings:
    """`base` with a private knowledge file and no LLM or Weaviate, whatever the developer's
    environment says: the rules engine and SQLite FTS5 are what a fresh deployment runs."""
    return base.model_copy(
        update={
            "knowledge_db_path": tmp_path / "knowledge.db",
            "openai_api_key": None,
            "weaviate_url": None,
        }
    )


def triage_worker_deps(store: CrmStore, billing: StripeBilling, settings: Settings) -> WorkerDeps:
    ingest_demo_help_center(settings)
    return WorkerDeps(
        store=store,
        billing=billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        ticket=ticket_activity_list(store, settings),
    )


@dataclass
class PaidOrder:
    customer_id: str
    order_id: str
    number: str
    charge_id: str
    amount_cents: int


def seed_customer(store: CrmStore, tier: str = "standard") -> str:
    customer_id = f"cus_{random.randrange(10**9, 10**10)}"
    store.add_customer(
        CustomerView(
            id=customer_id, name="Robin Vale", email=f"{customer_id}@example.com", tier=tier
        )
    )
    return customer_id


def seed_paid_order(
    store: CrmStore, billing: StripeBilling, amount_cents: int, tier: str = "standard"
) -> PaidOrder:
    """A customer with one paid order, charged for real in the sandbox. The order id is numeric
    (`ord_12345678`), as customers quote it, so triage can read it from the text."""
    customer_id = seed_customer(store, tier)
    number = str(random.randrange(10_000_000, 99_999_999))
    order_id = f"ord_{number}"
    email = f"{customer_id}@example.com"
    charge_id, intent_id = billing.create_demo_charge(
        amount_cents, "usd", f"order {order_id}", email, restrict_to_cards=False
    )
    store.add_order(
        NewOrder(
            order_id=order_id,
            customer_id=customer_id,
            placed_at=datetime.now(UTC) - timedelta(days=3),
            currency="usd",
            total_cents=amount_cents,
            lines=[
                OrderLineInfo(
                    sku="LAMP-1", title="Desk lamp", quantity=1, unit_price_cents=amount_cents
                )
            ],
            payment=NewPayment(
                charge_id=charge_id,
                payment_intent_id=intent_id,
                amount_cents=amount_cents,
                currency="usd",
            ),
        )
    )
    return PaidOrder(customer_id, order_id, number, charge_id, amount_cents)


async def replay_and_keep(client: Client, workflow_ids: Sequence[str], name: str | None) -> None:
    """Replays each history against the worker's workflows; with SUPPORTFLOW_RECORD_HISTORIES=1
    stores the first one as tests/histories/<name>.json for tests/workflows to replay in CI."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    for index, workflow_id in enumerate(workflow_ids):
        handle: WorkflowHandle[object, object] = client.get_workflow_handle(workflow_id)
        history = await handle.fetch_history()
        await replayer.replay_workflow(history)
        if index == 0 and name and os.environ.get("SUPPORTFLOW_RECORD_HISTORIES") == "1":
            HISTORY_DIR.mkdir(exist_ok=True)
            (HISTORY_DIR / f"{name}.json").write_text(history.to_json())
