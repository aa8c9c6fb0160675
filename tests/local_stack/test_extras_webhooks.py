"""Events reach a webhook endpoint signed as Stripe signs them, and are retried until a 2xx."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
import stripe
from aiohttp import web

from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import sandbox_charge
from worker.local_stack.stripe_extras.helpers import extras_call, open_dispute
from worker.local_stack.stripe_extras.webhooks import sign


class Receiver:
    """A loopback endpoint that refuses the first delivery of each event (503), then accepts."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, str]] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        self.bodies.append((body, request.headers["Stripe-Signature"]))
        event_id = json.loads(body)["id"]
        first = sum(1 for b, _ in self.bodies if json.loads(b)["id"] == event_id) == 1
        return web.Response(status=503 if first else 200)

    def start(self) -> None:
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_post("/hook", self._handle)
            runner = self._runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}/hook"
            ready.set()

        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(serve(), self._loop)
        ready.wait(10)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def test_events_are_signed_and_retried(
    stripe_sandbox: str, stripe_billing: StripeBilling, receiver: Receiver
) -> None:
    endpoint = extras_call(
        stripe_sandbox,
        "/_extras/webhook_endpoints",
        {"url": receiver.url, "enabled_events[0]": "charge.dispute.created"},
    )
    try:
        dispute = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing))
        deliveries: list[dict[str, object]] = []
        for _ in range(600):  # generous: 2 shared cores
            deliveries = [
                d
                for d in extras_call(stripe_sandbox, "/_extras/deliveries")["deliveries"]
                if d["status"] == 200 and d["type"] == "charge.dispute.created"
            ]
            if (
                any(
                    json.loads(b)["data"]["object"]["id"] == dispute["id"]
                    for b, _ in receiver.bodies
                )
                and deliveries
            ):
                break
            threading.Event().wait(0.1)
        ours = [
            (b, s)
            for b, s in receiver.bodies
            if json.loads(b)["data"]["object"]["id"] == dispute["id"]
        ]
        assert len(ours) == 2  # refused once, delivered again
        body, header = ours[-1]
        event = stripe.Webhook.construct_event(body, header, endpoint["secret"])
        assert event.type == "charge.dispute.created"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, sign("whsec_other", body, 1), endpoint["secret"])
    finally:
        stripe_client = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_sandbox})
        stripe_client.v1.webhook_endpoints.delete(endpoint["id"])
