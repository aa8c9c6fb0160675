"""Cases as the CRM records them, for delivery tests: the same store calls the case activities
make (ticket opened, approval requested, reply queued, outcome recorded), so each writes its
case event in its own transaction exactly as in production."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from temporalio.client import Client

from integrations.crm_records import ApprovalRequestRecord, CaseOutcomeRecord, CustomerReply
from integrations.crm_store import CrmStore, CustomerView
from worker.delivery_dispatch import dispatch_once


def open_ticket(
    store: CrmStore, ticket_id: str, *, system: str | None = None, **source: str
) -> None:
    if system or source:
        store.record_ticket_source(ticket_id, system=system, **source)
    if store.get_customer("cus_delivery") is None:
        store.add_customer(
            CustomerView(
                id="cus_delivery", name="Robin Vale", email="robin@example.com", tier="standard"
            )
        )
    store.upsert_ticket(
        ticket_id=ticket_id,
        customer_id="cus_delivery",
        process="refund",
        workflow_id=f"ticket-{ticket_id}",
        subject="Headphones stopped charging",
    )


def request_approval(store: CrmStore, ticket_id: str) -> None:
    store.record_approval_request(
        ApprovalRequestRecord(
            ticket_id=ticket_id,
            workflow_id=f"ticket-{ticket_id}",
            request_id=f"req-{ticket_id}",
            level="single",
            amount_cents=18_000,
            currency="usd",
            required_approvals=1,
            approvers=["alice"],
            requested_by="system:helpdesk",
            rule="single_approval",
            reason="above the auto-approve limit",
            expires_at=datetime.now(UTC) + timedelta(hours=24),
            policy_version="refund-test",
        )
    )


def queue_reply(store: CrmStore, ticket_id: str, number: int) -> None:
    store.queue_customer_message(
        ticket_id,
        CustomerReply(subject=f"Update {number}", body=f"Message {number} about your order."),
        dedupe_key=f"msg:{ticket_id}:{number}",
    )


def resolve(store: CrmStore, ticket_id: str, text: str = "We refunded 180.00 USD.") -> None:
    store.record_case_outcome(
        CaseOutcomeRecord(
            ticket_id=ticket_id,
            workflow_id=f"ticket-{ticket_id}",
            customer_id="cus_delivery",
            order_id=None,
            status="resolved",
            resolution="refunded",
            reply=CustomerReply(subject="Your refund", body=text),
        )
    )


async def dispatch_until(
    client: Client,
    store: CrmStore,
    task_queue: str,
    done: Callable[[], bool],
    deadline_seconds: float = 60.0,
) -> None:
    """Runs the outbox dispatcher (as the worker does) until `done()`."""
    give_up = time.monotonic() + deadline_seconds
    while not done():
        if time.monotonic() > give_up:
            raise AssertionError(f"not delivered within {deadline_seconds:.0f}s")
        await dispatch_once(client, store, task_queue)
        await asyncio.sleep(0.2)
