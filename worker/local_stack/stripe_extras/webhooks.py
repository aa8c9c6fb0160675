"""Events and their signed delivery to webhook endpoints, as Stripe sends them.

Each change makes an `event` (listed at /v1/events) and POSTs it to every enabled endpoint whose
`enabled_events` match, signed with the endpoint's secret in `Stripe-Signature:
t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. A delivery that does not get a
2xx is retried with backoff, as Stripe does (over hours there; seconds here). Every attempt is
logged for tests at /_extras/deliveries.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from worker.local_stack.stripe_extras.objects import ExtrasState, new_id, now, public

log = logging.getLogger("supportflow.stripe_extras")
DELIVERY_TIMEOUT_SECONDS = 10.0
RETRY_DELAYS_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0)


def sign(secret: str, payload: str, timestamp: int) -> str:
    """The Stripe-Signature header value for `payload` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def new_endpoint(url: str, enabled_events: list[str], secret: str | None) -> dict[str, Any]:
    return {
        "id": new_id("we"),
        "object": "webhook_endpoint",
        "api_version": None,
        "application": None,
        "created": now(),
        "description": None,
        "enabled_events": enabled_events or ["*"],
        "livemode": False,
        "metadata": {},
        "status": "enabled",
        "url": url,
        "secret": secret or f"whsec_{secrets.token_hex(16)}",
    }


class EventBus:
    """Creates events in the state and delivers them in the background."""

    def __init__(self, state: ExtrasState) -> None:
        self.state = state
        self.deliveries: list[dict[str, Any]] = []
        self._session: ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        self._session = ClientSession(timeout=ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    def emit(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": public(obj)}
        if previous:
            data["previous_attributes"] = previous
        event: dict[str, Any] = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
            "_seq": len(self.state.events),
        }
        self.state.events[event["id"]] = event
        self.deliver(event)
        return event

    def deliver(self, event: dict[str, Any]) -> int:
        """Sends `event` to each matching endpoint; returns how many."""
        targets = [
            endpoint
            for endpoint in self.state.webhook_endpoints.values()
            if endpoint["status"] == "enabled"
            and ("*" in endpoint["enabled_events"] or event["type"] in endpoint["enabled_events"])
        ]
        event["pending_webhooks"] = len(targets)
        for endpoint in targets:
            task = asyncio.ensure_future(self._send(endpoint, public(event)))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(targets)

    async def _send(self, endpoint: dict[str, Any], event: dict[str, Any]) -> None:
        assert self._session is not None
        payload = json.dumps(event)
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS_SECONDS), start=1):
            await asyncio.sleep(delay)
            status: int | str
            try:
                headers = {
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": sign(endpoint["secret"], payload, now()),
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                }
                async with self._session.post(
                    endpoint["url"], data=payload.encode(), headers=headers
                ) as response:
                    status = response.status
            except (ClientError, TimeoutError, OSError) as error:
                status = type(error).__name__
            self.deliveries.append(
                {"event": event["id"], "type": event["type"], "attempt": attempt, "status": status}
            )
            if isinstance(status, int) and 200 <= status < 300:
                return
            log.info("delivery of %s to %s: %s, retrying", event["id"], endpoint["url"], status)
        log.warning("gave up delivering %s to %s", event["id"], endpoint["url"])
