"""The demo helpdesk's callback receiver for `supportflow run`: where the demo tickets' case
events (and their replies) are delivered, verified with the `standardwebhooks` package the way
docs/delivery.md tells a calling system to, kept in `.data/callbacks.jsonl` and shown at
`GET /callbacks`."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations.crm_store import CrmStore
from worker.local_stack.demo_keys import DEMO_HELPDESK
from worker.local_stack.demo_tickets import DemoTicket
from worker.settings import Settings

PREFERRED_PORT = 8025


def _port() -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", PREFERRED_PORT))
            return PREFERRED_PORT
        except OSError:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
            return port


@dataclass
class CallbackInbox:
    log_file: Path
    secret: str = ""
    port: int = field(default_factory=_port)
    events: list[dict[str, Any]] = field(default_factory=list)
    last_received: float = 0.0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/callbacks"

    async def start(self) -> None:
        if self.log_file.exists():  # what earlier runs received, so a re-run still shows it
            for line in self.log_file.read_text().splitlines():
                if line.strip():
                    self.events.append(json.loads(line))
        app = web.Application()
        app.router.add_post("/callbacks", self._receive)
        app.router.add_get("/callbacks", self._show)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            return web.json_response({"error": "bad_signature"}, status=400)
        webhook_id = request.headers["webhook-id"]
        if all(e["webhook_id"] != webhook_id for e in self.events):
            entry = {"webhook_id": webhook_id, "verified": True, **payload}
            self.events.append(entry)
            self.last_received = time.monotonic()
            with self.log_file.open("a") as log:
                log.write(json.dumps(entry) + "\n")
        return web.Response(status=204)

    async def _show(self, request: web.Request) -> web.Response:
        return web.json_response(self.events)

    def replies_for(self, ticket_id: str) -> list[str]:
        return [
            e["data"]["reply"]["subject"]
            for e in self.events
            if e["type"] == "case.reply" and e["data"].get("ticket_id") == ticket_id
        ]


async def start_callback_inbox(settings: Settings, data_dir: Path) -> CallbackInbox:
    """Starts the receiver and registers it as the demo helpdesk's callback (before the worker
    starts, so every demo ticket's events go there)."""
    inbox = CallbackInbox(log_file=data_dir / "callbacks.jsonl")
    store = CrmStore(settings.database_url)
    try:
        endpoint, _ = await asyncio.to_thread(store.register_callback, DEMO_HELPDESK, inbox.url)
    finally:
        store.dispose()
    inbox.secret = endpoint.secret
    await inbox.start()
    return inbox


async def wait_for_replies(
    inbox: CallbackInbox, expected: int, quiet_seconds: float = 5.0, limit: float = 45.0
) -> None:
    """Until `expected` replies arrived, or nothing more came for `quiet_seconds` (cases waiting
    for a person send none; a re-run's tickets sent theirs before)."""
    started = time.monotonic()
    give_up = started + limit
    while time.monotonic() < give_up:
        if sum(e["type"] == "case.reply" for e in inbox.events) >= expected:
            return
        if time.monotonic() - max(started, inbox.last_received) > quiet_seconds:
            return
        await asyncio.sleep(0.5)


async def report_deliveries(
    inbox: CallbackInbox, tickets: list[DemoTicket], say: Callable[[str], None]
) -> None:
    await wait_for_replies(inbox, expected=len(tickets))
    say(
        "\nReplies delivered to the demo helpdesk's callback (signed per Standard Webhooks, "
        "verified by the receiver with the standardwebhooks package):"
    )
    for ticket in tickets:
        subjects = inbox.replies_for(ticket.ticket_id)
        state = ticket.view.state if ticket.view else "unknown"
        shown = "; ".join(repr(s) for s in subjects) if subjects else f"no reply yet ({state})"
        say(f"  {ticket.ticket_id:<28} {shown}")
    say(f"  Every event: curl -s {inbox.url}   (also {inbox.log_file})")
