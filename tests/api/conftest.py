"""API test fixtures: the real app over ASGI, a real dev server, the real worker, a real CRM store
on SQLite and real charges in the Stripe sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.chat import ChatActivities
from activities.models import OrderLineInfo
from activities.policy import PolicyActivities
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from tests.triage.ticket_harness import demo_knowledge
from worker.api import create_app
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from worker.worker_app import WorkerDeps, build_worker

__all__ = ["stripe_billing", "stripe_sandbox"]

# Under the default policy: at most 50.00 refunds at once, up to 500.00 needs one approver.
AUTO_AMOUNT, APPROVAL_AMOUNT = 2500, 9000


def make_settings(task_queue: str, database_url: str) -> Settings:
    """Settings from explicit values only, so a developer's .env never leaks into tests."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=database_url,
        TEMPORAL_UI_URL="http://ui.test:8233",
    )


@pytest.fixture
def settings(task_queue: str, database_url: str) -> Settings:
    return make_settings(task_queue, database_url)


@pytest_asyncio.fixture
async def case_worker(
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    settings: Settings,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    tmp_path: Path,
) -> AsyncIterator[Worker]:
    """The production worker (every workflow and activity, triage included), wired to this
    test's store, the sandbox and the demo help center; no Slack, so approval requests go to
    the outbox and decisions come over the API."""
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
        ticket=ticket_activity_list(crm_store, settings, knowledge=demo_knowledge(tmp_path)),
    )
    worker = build_worker(dev_server_env.client, settings, deps=deps, task_queue=task_queue)
    async with worker:
        yield worker


@pytest_asyncio.fixture
async def api(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    api_keys: CallerKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    """The API as the helpdesk calls it: every request carries the helpdesk system's key unless
    a test sends other headers (a person's key for decisions)."""
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://api.test", headers=api_keys.system_headers
    ) as client:
        yield client


@dataclass
class SeededOrder:
    customer_id: str
    order_id: str
    charge_id: str
    amount_cents: int


SeedOrder = Callable[[int], SeededOrder]


@pytest.fixture
def seed_order(crm_store: CrmStore, stripe_billing: StripeBilling) -> SeedOrder:
    """A new customer with one paid order, charged for real in the Stripe sandbox."""

    def seed(amount_cents: int) -> SeededOrder:
        suffix = uuid.uuid4().hex[:10]
        customer_id, order_id = f"cus_{suffix}", f"ord_{suffix}"
        email = f"{suffix}@example.com"
        crm_store.add_customer(
            CustomerView(id=customer_id, name="Ada Test", email=email, tier="standard")
        )
        charge_id, intent_id = stripe_billing.create_demo_charge(
            amount_cents, "usd", f"order {order_id}", email
        )
        line = OrderLineInfo(
            sku="KETTLE-1", title="Kettle", quantity=1, unit_price_cents=amount_cents
        )
        crm_store.add_order(
            NewOrder(
                order_id=order_id,
                customer_id=customer_id,
                placed_at=datetime.now(UTC) - timedelta(days=3),
                currency="usd",
                total_cents=amount_cents,
                lines=[line],
                payment=NewPayment(
                    charge_id=charge_id,
                    payment_intent_id=intent_id,
                    amount_cents=amount_cents,
                    currency="usd",
                ),
            )
        )
        return SeededOrder(customer_id, order_id, charge_id, amount_cents)

    return seed


def new_ticket_id() -> str:
    return f"T-{uuid.uuid4().hex[:10]}"


def ticket_body(ticket_id: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "ticket_id": ticket_id,
        "process": "refund",
        "customer_id": "cus_ada",
        "order_id": "ord_1001",
        "subject": "Broken kettle",
        "body": "It arrived cracked.",
        "channel": "api",
    }
    body.update(overrides)
    return body


def order_ticket(
    order: SeededOrder, ticket_id: str | None = None, **overrides: object
) -> dict[str, object]:
    return ticket_body(
        ticket_id or new_ticket_id(),
        customer_id=order.customer_id,
        order_id=order.order_id,
        **overrides,
    )
