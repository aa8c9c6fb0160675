"""A calling system's callback receiver, written the way docs/delivery.md tells one to be:
real HTTP (aiohttp), every delivery verified with the `standardwebhooks` package, and repeats
dropped by `webhook-id`. Tests can take it down (connection refused or 503) and hold a request
after it was processed (the worker dies before the answer arrives)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Received:
    webhook_id: str
    payload: dict[str, Any]


@dataclass
class CallbackReceiver:
    port: int = field(default_factory=free_port)
    secret: str | None = None
    processed: list[Received] = field(default_factory=list)
    posts: int = 0
    refused: int = 0
    forged: int = 0
    answer_status: int = 204
    hold: asyncio.Event | None = None
    held: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/supportflow/events"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/supportflow/events", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.processed]

    async def _receive(self, request: web.Request) -> web.Response:
        self.posts += 1
        body = await request.read()
        if self.answer_status >= 300:
            self.refused += 1
            return web.Response(status=self.answer_status)
        assert self.secret is not None, "the test registers the callback before it starts"
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.forged += 1
            return web.Response(status=400)
        webhook_id = request.headers["webhook-id"]
        if webhook_id not in self.ids():  # a repeat is acknowledged, not processed again
            self.processed.append(Received(webhook_id, payload))
        if self.hold is not None:
            self.held.set()
            await self.hold.wait()
        return web.Response(status=204)
