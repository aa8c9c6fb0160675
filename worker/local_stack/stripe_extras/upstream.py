"""What the extras server reads from, and forwards to, localstripe (the sandbox's raw port)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession, web

from worker.local_stack.stripe_extras.objects import ExtrasState
from worker.local_stack.stripe_extras.webhooks import EventBus
from worker.local_stack.stripe_idempotency import forward


class StripeAnswer(Exception):
    """A Stripe-shaped error answer, raised from a handler."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, param: str | None = None
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param

    def response(self) -> web.Response:
        error: dict[str, Any] = {"type": "invalid_request_error", "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return web.json_response({"error": error}, status=self.status)


def missing(kind: str, object_id: str, param: str = "id") -> StripeAnswer:
    return StripeAnswer(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


@dataclass
class Extras:
    """What every handler needs: the state, the event bus and localstripe."""

    state: ExtrasState
    bus: EventBus
    localstripe: str
    session: ClientSession | None = None

    async def fetch(
        self, request: web.Request, path: str, kind: str, object_id: str
    ) -> dict[str, Any]:
        """GET an object from localstripe with the caller's credentials; 404 as Stripe's."""
        assert self.session is not None
        headers = {"Authorization": request.headers.get("Authorization", "")}
        async with self.session.get(self.localstripe + path, headers=headers) as response:
            if response.status == 404:
                raise missing(kind, object_id)
            if response.status >= 400:
                raise StripeAnswer(response.status, (await response.text())[:300])
            document: dict[str, Any] = json.loads(await response.text())
            return document

    async def forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self.session is not None
        status, headers, answer = await forward(self.session, self.localstripe, request, body)
        return web.Response(status=status, headers=headers, body=answer)
