"""What an approver's Slack and a helpdesk backend do against the running stack, and what the
tests read back from the systems of record.

A `LiveDesk` files tickets over `POST /tickets`, finds the approval message the worker posted to
the fake Slack, and clicks its buttons by POSTing to `/slack/interactions` exactly as Slack does
(form-encoded `payload=` JSON, v0 signature over the raw body). Everything it reports comes from
where the truth lives: refunds from the Stripe sandbox, the case from the workflow itself, the
calls Slack received from the fake, and the audit trail from the CRM.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from integrations.crm_store.store import CrmStore
from integrations.crm_store.views import AuditEventView, TicketView
from integrations.slack_approvals import REQUEST_EVENT
from integrations.slack_blocks import ACTIONS_BLOCK, APPROVE_ACTION, STATUS_BLOCK
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.slack.approval_desk import click
from tests.slack.fake_slack import FakeSlack, SlackMessage
from tests.slack.slack_requests import form_body, signed_headers
from tests.workflows.case_factory import SeededCase
from workflows.case.contract import STATUS_QUERY, case_workflow_id
from workflows.refund.contract import RefundOutcome, RefundStatus

T = TypeVar("T")

INTERACTIONS = "/slack/interactions"
DEADLINE_SECONDS = 30.0
POLL_SECONDS = 0.05

# Slack user ids in the shipped refund policy (policies/refund_policy.json).
ALICE, BOB, CAROL, DAVE, ERIN = "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE", "U0ERIN"
STRANGER = "U0MALLORY"  # a workspace member the policy does not know


async def until(probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    """Polls `probe` until it returns something; the background half of a click (after Slack's
    ack) and the workflow both run on their own time, so every outcome is awaited this way."""
    give_up = time.monotonic() + DEADLINE_SECONDS
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > give_up:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)


class WorkerSwitch:
    """Runs the worker and can take it away for a while, as a deploy or a crash does.

    While it is away, Updates wait at the server; when a worker polls again they all arrive in
    one workflow task. That is the one way to make two decisions meet inside one task on
    purpose instead of by luck of timing.
    """

    def __init__(self, build: Callable[[], Worker]) -> None:
        self._build = build
        self._worker: Worker | None = None
        self._running: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._worker = self._build()
        self._running = asyncio.create_task(self._worker.run())

    async def stop(self) -> None:
        if self._worker is not None and self._running is not None:
            await self._worker.shutdown()
            await self._running
        self._worker = self._running = None

    @asynccontextmanager
    async def away(self) -> AsyncIterator[None]:
        await self.stop()
        try:
            yield
        finally:
            await self.start()


@dataclass
class LiveDesk:
    http: httpx.AsyncClient
    api_keys: CallerKeys
    temporal: Client
    store: CrmStore
    billing: StripeBilling
    slack: FakeSlack
    worker: WorkerSwitch
    workflow_ids: list[str] = field(default_factory=list)

    # -- a helpdesk backend files the ticket -------------------------------------------------

    async def file(self, case: SeededCase) -> WorkflowHandle[Any, RefundOutcome]:
        # Filed by a desk allowed to name its agent: the case's requester is the seeded one.
        body = {"process": "refund", **case.request.model_dump(mode="json")}
        response = await self.http.post(
            "/tickets", json=body, headers=self.api_keys.bearer(self.api_keys.on_behalf)
        )
        assert response.status_code == 202, response.text
        workflow_id = response.json()["workflow_id"]
        assert workflow_id == case_workflow_id(case.request.ticket_id)
        self.workflow_ids.append(workflow_id)
        return self.temporal.get_workflow_handle(workflow_id, result_type=RefundOutcome)

    async def waiting(self, case: SeededCase) -> tuple[RefundStatus, SlackMessage]:
        """The case once it waits for approval and its request is in Slack, with that message."""

        async def posted() -> tuple[RefundStatus, SlackMessage] | None:
            status = await self.status(case)
            pending = status.pending_approval
            if status.state != "awaiting_approval" or pending is None:
                return None
            message = self.request_message(pending.request_id)
            return (status, message) if message is not None else None

        return await until(posted, f"ticket {case.request.ticket_id} to be posted to Slack")

    async def status(self, case: SeededCase) -> RefundStatus:
        handle = self.temporal.get_workflow_handle(case_workflow_id(case.request.ticket_id))
        return await handle.query(STATUS_QUERY, result_type=RefundStatus)

    async def outcome(self, case: SeededCase) -> RefundOutcome:
        handle = self.temporal.get_workflow_handle(
            case_workflow_id(case.request.ticket_id), result_type=RefundOutcome
        )
        return await asyncio.wait_for(handle.result(), DEADLINE_SECONDS)

    # -- Slack sends clicks ------------------------------------------------------------------

    async def send(self, payload: dict[str, Any], **sign: Any) -> httpx.Response:
        """POSTs the payload as Slack does, signed (pass `secret=` / `timestamp=` to forge)."""
        body = form_body(payload)
        return await self.send_raw(body, signed_headers(body, **sign))

    async def send_raw(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        return await self.http.post(INTERACTIONS, content=body, headers=headers)

    async def click(
        self, message: SlackMessage, user: str, action_id: str = APPROVE_ACTION
    ) -> httpx.Response:
        """`user` clicks a button on the message as it is in Slack right now."""
        return await self.click_on(self.slack.message(message.channel, message.ts), user, action_id)

    async def click_on(
        self, snapshot: SlackMessage, user: str, action_id: str = APPROVE_ACTION
    ) -> httpx.Response:
        """`user` clicks a button on `snapshot`, a copy of the message that may be out of date
        (a client that has not refreshed still shows buttons Slack has since removed)."""
        response = await self.send(click(snapshot, user, action_id))
        assert response.status_code == 200, response.text
        return response

    # -- what the systems of record say ------------------------------------------------------

    def request_message(self, request_id: str) -> SlackMessage | None:
        for message in self.slack.messages():
            metadata = message.metadata or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == REQUEST_EVENT and payload.get("request_id") == (
                request_id
            ):
                return message
        return None

    def refunds(self, case: SeededCase) -> list[int]:
        return [r.amount_cents for r in self.billing.list_refunds(case.charge_id)]

    def ticket(self, case: SeededCase) -> TicketView:
        ticket = self.store.get_ticket(case.request.ticket_id)
        assert ticket is not None, f"no CRM ticket {case.request.ticket_id}"
        return ticket

    def clicks(self, case: SeededCase) -> list[AuditEventView]:
        """Slack clicks in the CRM audit trail (`slack_click_<outcome>`), oldest first."""
        return [e for e in self.ticket(case).audit if e.action.startswith("slack_click_")]

    async def clicks_recorded(self, case: SeededCase, count: int) -> list[AuditEventView]:
        """Waits until `count` clicks are audited: the audit row is written by the background
        half of the click, after Slack already has its 200."""

        async def recorded() -> list[AuditEventView] | None:
            found = await asyncio.to_thread(self.clicks, case)
            return found if len(found) >= count else None

        return await until(recorded, f"{count} audited clicks on {case.request.ticket_id}")

    async def ephemeral_for(self, user: str, count: int = 1) -> list[str]:
        async def told() -> list[str] | None:
            texts = [e.text for e in self.slack.ephemerals() if e.user == user]
            return texts if len(texts) >= count else None

        return await until(told, f"{count} ephemeral message(s) to {user}")

    def update_texts(self) -> list[str]:
        """The `text` of every chat.update Slack received (from the API and the worker)."""
        return [str(c.args.get("text")) for c in self.slack.calls("chat.update")]

    def status_line(self, message: SlackMessage) -> str:
        current = self.slack.message(message.channel, message.ts)
        status = [b for b in current.blocks if b.get("block_id") == STATUS_BLOCK]
        return str(status[0]["text"]["text"]) if status else ""

    def has_buttons(self, message: SlackMessage) -> bool:
        current = self.slack.message(message.channel, message.ts)
        return any(b.get("block_id") == ACTIONS_BLOCK for b in current.blocks)
