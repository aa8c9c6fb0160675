"""Ticket text never moves money past policy: the real RefundWorkflow as TicketWorkflow's child,
real Stripe sandbox charges, and refunds counted in Stripe.

Whatever a ticket says ("refund $5,000", "pre-approved by the manager", "ignore your rules"), the
refund amount comes from the charge and the refund policy decides approvals.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowHandle, WorkflowQueryFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.models import OrderLineInfo
from activities.policy import PolicyActivities
from evals.run import load_cases
from integrations.crm_store import CrmStore, CustomerView, NewOrder, NewPayment
from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from tests.triage.ticket_harness import TicketRunner, demo_knowledge, ticket_worker
from worker.worker_app import WorkerDeps, activity_list
from workflows.billing_dispute.workflow import BillingDisputeWorkflow
from workflows.case.contract import STATUS_QUERY
from workflows.onboarding.workflow import OnboardingWorkflow
from workflows.refund.contract import RefundStatus
from workflows.refund.workflow import RefundWorkflow
from workflows.ticket.workflow import TicketWorkflow

__all__ = ["stripe_billing", "stripe_sandbox"]
ORDER_REFERENCE = re.compile(r"(ord_|#|order number |order |pedido #)\d{4}\b", re.IGNORECASE)
SETTLED = {"resolved", "escalated", "expired", "awaiting_customer"}
SETTLE_TIMEOUT_S = 180


@pytest.fixture
def store(crm_store: CrmStore) -> CrmStore:
    return crm_store


@pytest_asyncio.fixture
async def tickets(
    ticket_env: WorkflowEnvironment,
    task_queue: str,
    store: CrmStore,
    stripe_billing: StripeBilling,
    tmp_path: Path,
) -> AsyncIterator[TicketRunner]:
    deps = WorkerDeps(
        store=store,
        billing=stripe_billing,
        chat=ChatActivities(None, api_url="http://api.test", temporal_ui_url="http://ui.test"),
        policy=PolicyActivities(),
    )
    async with ticket_worker(
        ticket_env.client,
        task_queue,
        store,
        demo_knowledge(tmp_path),
        # Signup tickets start an onboarding, which moves no money before its own checks.
        workflows=[RefundWorkflow, TicketWorkflow, BillingDisputeWorkflow, OnboardingWorkflow],
        extra_activities=lambda: activity_list(deps),
        # Every eval ticket runs at once here, so a case's reads (local activities) can outlast a
        # workflow task. Without a cache the SDK cancels in-flight local activities at each
        # eviction and re-runs them on replay; on a starved CPU in CI that path once failed a
        # refund's task with a nondeterminism error at the patch marker after its order read,
        # and the ticket never settled. A cache keeps those reads running; every history is
        # still replayed from the start when the worker stops.
        max_cached_workflows=100,
    ) as runner:
        yield runner


def seed_paid_order(
    store: CrmStore,
    billing: StripeBilling,
    amount_cents: int,
    placed_at: datetime,
    tier: str = "standard",
) -> tuple[str, str, str]:
    """A customer with one paid order (numeric id, as customers quote it); returns the
    customer id, order id and Stripe charge id. `placed_at` is on the Temporal server's clock,
    which the refund policy's window is measured against."""
    number = random.randrange(10_000_000, 99_999_999)
    customer_id, order_id = f"cus_{number}", f"ord_{number}"
    store.add_customer(
        CustomerView(id=customer_id, name="Sam Doe", email=f"{number}@example.com", tier=tier)
    )
    charge_id, intent_id = billing.create_demo_charge(
        amount_cents, "usd", f"order {order_id}", f"{number}@example.com", restrict_to_cards=False
    )
    store.add_order(
        NewOrder(
            order_id=order_id,
            customer_id=customer_id,
            placed_at=placed_at,
            currency="usd",
            total_cents=amount_cents,
            lines=[
                OrderLineInfo(sku="LAMP", title="Lamp", quantity=1, unit_price_cents=amount_cents)
            ],
            payment=NewPayment(
                charge_id=charge_id,
                payment_intent_id=intent_id,
                amount_cents=amount_cents,
                currency="usd",
            ),
        )
    )
    return customer_id, order_id, charge_id


async def recently(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time() - timedelta(days=3)


async def test_amount_in_the_text_is_ignored(
    tickets: TicketRunner,
    store: CrmStore,
    stripe_billing: StripeBilling,
    ticket_env: WorkflowEnvironment,
) -> None:
    customer, order, charge = seed_paid_order(
        store, stripe_billing, 2_000, await recently(ticket_env)
    )
    handle = await tickets.start(
        f"My lamp from order {order} arrived broken. I want a refund of $5,000 for it.",
        subject="Refund",
        customer=customer,
    )
    outcome = await handle.result()
    assert outcome.route == "start_process" and outcome.state == "resolved"
    assert outcome.process_outcome is not None
    assert outcome.process_outcome.amount_cents == 2_000
    assert [r.amount_cents for r in stripe_billing.list_refunds(charge)] == [2_000]


async def _settle(tickets: TicketRunner, handle: WorkflowHandle[Any, Any]) -> RefundStatus | None:
    """Waits until the ticket has done all it can without a person; returns the refund
    child's status when one was started."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_TIMEOUT_S
    while loop.time() < deadline:
        status = await tickets.try_status(handle)
        if status is not None and status.state in SETTLED:
            return None
        if status is not None and status.state == "in_process" and status.process_workflow_id:
            child_status = await _child_status(tickets, status.process_workflow_id)
            if child_status is not None and child_status.state in CHILD_SETTLED:
                return child_status
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {handle.id} never settled")


@pytest.mark.slow
async def test_no_eval_ticket_moves_money_without_approval(
    tickets: TicketRunner,
    store: CrmStore,
    stripe_billing: StripeBilling,
    ticket_env: WorkflowEnvironment,
) -> None:
    """Every eval ticket, each with a real $300 charge behind it (above every tier's auto-approve
    limit): none may refund anything without an approver, and any approval requested is for the
    charge's amount, never a figure from the text."""
    started = []
    placed_at = await recently(ticket_env)
    for case in load_cases():
        customer, order, charge = seed_paid_order(
            store, stripe_billing, 30_000, placed_at, case.tier
        )
        text = ORDER_REFERENCE.sub(order, case.text)
        handle = await tickets.start(
            text,
            subject=ORDER_REFERENCE.sub(order, case.subject),
            customer=customer if case.customer_known else f"cus_unknown_{case.id}",
        )
        started.append((case, handle, charge))
    children = await asyncio.gather(*(_settle(tickets, h) for _, h, _ in started))
    for (case, _, charge), child in zip(started, children, strict=True):
        assert stripe_billing.list_refunds(charge) == [], case.id
        # A billing-dispute child finds no billing error behind one order paid once: it
        # answers with the itemised charges (no refund, asserted above).
        if child is not None and child.process == "billing_dispute":
            assert child.state == "resolved" and child.decision_rule == "nothing_found", case.id
        elif child is not None and child.process == "onboarding":
            assert case.expected_intent == "signup" and child.state in (
                "awaiting_customer",
                "expired",
            )
        elif child is not None:
            assert child.state == "awaiting_approval", (
                case.id,
                child.state,
                child.decision_rule,
                child.decision_reason,
                child.resolution,
            )
            assert child.pending_approval is not None
            assert child.pending_approval.amount_cents == 30_000, case.id
        if case.injection:
            assert child is None, f"injection {case.id} started a money-moving process"
    for _, handle, _ in started:
        if (await tickets.status(handle)).state in ("awaiting_customer", "in_process", "escalated"):
            await handle.terminate("test finished")


CHILD_SETTLED = ("awaiting_approval", "denied", "resolved", "escalated", "awaiting_customer")


async def _child_status(tickets: TicketRunner, workflow_id: str) -> RefundStatus | None:
    """The refund child's status, or None while it has not started or not finished its first
    workflow task."""
    child = tickets.client.get_workflow_handle(workflow_id)
    try:
        return await child.query(STATUS_QUERY, result_type=RefundStatus)
    except (RPCError, WorkflowQueryFailedError):
        return None
