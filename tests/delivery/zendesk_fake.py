"""A Zendesk Support API on loopback, for the few documented endpoints the adapter uses.

- `PUT /api/v2/tickets/{id}.json` with `{"ticket": {...}}`: a `comment` (`body`, `public`)
  becomes a comment, `status` and `additional_tags` change the ticket, and `metadata` is kept in
  the update's audit as `metadata.custom`; answers `{"ticket", "audit"}`.
- `GET /api/v2/tickets/{id}/audits.json` and `/comments.json`, with `next_page` (null here).
- Basic auth `{email}/token:{api_token}`; anything else is 401, an unknown ticket 404.
Tests can hold a PUT after it was applied (the worker dies before the answer arrives) or make
the next answers fail with a status.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.delivery.receiver import free_port

EMAIL = "agent@example.com"
TOKEN = "zd-test-token"


@dataclass
class FakeTicket:
    id: int
    status: str = "new"
    tags: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeZendesk:
    port: int = field(default_factory=free_port)
    tickets: dict[int, FakeTicket] = field(default_factory=dict)
    puts: int = 0
    fail_next: list[int] = field(default_factory=list)
    hold: asyncio.Event | None = None
    held: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: Any = field(default_factory=lambda: itertools.count(9000))
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_ticket(self, ticket_id: int) -> FakeTicket:
        self.tickets[ticket_id] = FakeTicket(ticket_id)
        return self.tickets[ticket_id]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_put("/api/v2/tickets/{id}.json", self._update)
        app.router.add_get("/api/v2/tickets/{id}/audits.json", self._audits)
        app.router.add_get("/api/v2/tickets/{id}/comments.json", self._comments)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _ticket(self, request: web.Request) -> FakeTicket:
        expected = base64.b64encode(f"{EMAIL}/token:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            raise web.HTTPUnauthorized(text='{"error": "Couldn\'t authenticate you"}')
        ticket = self.tickets.get(int(request.match_info["id"]))
        if ticket is None:
            raise web.HTTPNotFound(text='{"error": "RecordNotFound"}')
        return ticket

    async def _update(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        self.puts += 1
        if self.fail_next:
            return web.json_response({"error": "scripted"}, status=self.fail_next.pop(0))
        update = (await request.json())["ticket"]
        audit_id = next(self._ids)
        events: list[dict[str, Any]] = []
        if "comment" in update:
            comment = {
                "id": next(self._ids),
                "type": "Comment",
                "body": update["comment"]["body"],
                "public": update["comment"].get("public", True),
                "audit_id": audit_id,
            }
            ticket.comments.append(comment)
            events.append(comment)
        if "status" in update:
            events.append({"type": "Change", "field_name": "status", "value": update["status"]})
            ticket.status = update["status"]
        for tag in update.get("additional_tags", []):
            if tag not in ticket.tags:
                ticket.tags.append(tag)
        audit = {
            "id": audit_id,
            "ticket_id": ticket.id,
            "events": events,
            "metadata": {"system": {}, "custom": update.get("metadata", {})},
        }
        ticket.audits.append(audit)
        body = {"ticket": {"id": ticket.id, "status": ticket.status, "tags": ticket.tags}}
        if self.hold is not None:
            self.held.set()
            await self.hold.wait()
        return web.json_response({**body, "audit": audit})

    async def _audits(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        return web.json_response(
            {"audits": ticket.audits, "next_page": None, "count": len(ticket.audits)}
        )

    async def _comments(self, request: web.Request) -> web.Response:
        ticket = self._ticket(request)
        return web.json_response({"comments": ticket.comments, "next_page": None})
