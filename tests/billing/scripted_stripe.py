"""A loopback HTTP server that answers Stripe charge lookups with scripted failures.

The sandbox cannot produce rate limits, outages or auth failures, so this server does, over real
HTTP: the real Stripe SDK then raises its real exceptions from real responses, and the tests see
exactly what production code would. It runs in its own thread with its own event loop because
the Stripe SDK blocks.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from dataclasses import dataclass, field

from aiohttp import web


@dataclass(frozen=True)
class ScriptedResponse:
    status: int
    body: dict[str, object] | str
    headers: dict[str, str] = field(default_factory=dict)


def stripe_error(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None, **extra: str
) -> ScriptedResponse:
    """A response shaped like Stripe's documented error body."""
    return ScriptedResponse(
        status, {"error": {"type": error_type, "message": message, **extra}}, headers or {}
    )


class ScriptedStripe:
    """Serves `GET /v1/charges/{id}` from `responses`; records every request path it receives."""

    def __init__(self, responses: dict[str, ScriptedResponse]) -> None:
        self.responses = responses
        self.requests: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def start(self) -> str:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        return self.base_url

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/charges/{charge_id}", self._charge)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"

    async def _charge(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        scripted = self.responses[request.match_info["charge_id"]]
        if isinstance(scripted.body, str):
            return web.Response(
                status=scripted.status, text=scripted.body, headers=scripted.headers
            )
        return web.Response(
            status=scripted.status,
            text=json.dumps(scripted.body),
            content_type="application/json",
            headers=scripted.headers,
        )
