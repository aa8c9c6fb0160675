"""The extras server's routes: its own Stripe paths, the `/_extras/` test helpers, and every
other path forwarded to localstripe."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from worker.local_stack.stripe_extras import balances, disputes
from worker.local_stack.stripe_extras.forms import decode_form
from worker.local_stack.stripe_extras.objects import ExtrasState, page, public
from worker.local_stack.stripe_extras.upstream import Extras, StripeAnswer, missing
from worker.local_stack.stripe_extras.webhooks import EventBus, new_endpoint

Handler = Callable[[web.Request, Extras], Awaitable[web.Response]]
EXTRAS_KEY = web.AppKey("extras", Extras)


def _bound(
    handler: Handler, *, own: bool = True
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def run(request: web.Request) -> web.Response:
        # Forwarded paths are authenticated by localstripe itself.
        authorization = request.headers.get("Authorization", "")
        if own and not authorization.startswith("Bearer sk_"):
            return StripeAnswer(401, "You did not provide a valid API key.").response()
        try:
            return await handler(request, request.app[EXTRAS_KEY])
        except StripeAnswer as answer:
            return answer.response()
        except ValueError as error:
            return StripeAnswer(400, str(error)).response()

    return run


async def list_events(request: web.Request, extras: Extras) -> web.Response:
    query = dict(request.query)
    wanted = query.get("type")
    found = [
        e
        for e in extras.state.events.values()
        if wanted is None
        or e["type"] == wanted
        or (wanted.endswith(".*") and e["type"].startswith(wanted[:-1]))
    ]
    return web.json_response(page(found, query, "/v1/events"))


async def retrieve_event(request: web.Request, extras: Extras) -> web.Response:
    event = extras.state.events.get(request.match_info["id"])
    if event is None:
        raise missing("event", request.match_info["id"])
    return web.json_response(public(event))


async def create_endpoint(request: web.Request, extras: Extras) -> web.Response:
    """Stripe mints the signing secret; `/_extras/webhook_endpoints` may also pass one in, so
    a stack can keep the secret its API was configured with."""
    form = decode_form(await request.text())
    if not form.get("url"):
        raise StripeAnswer(400, "Missing required param: url.", param="url")
    events = form.get("enabled_events") or []
    secret = form.get("secret") if request.path.startswith("/_extras/") else None
    endpoint = new_endpoint(str(form["url"]), list(events), secret)
    extras.state.webhook_endpoints[endpoint["id"]] = endpoint
    extras.state.save()
    return web.json_response(endpoint)


async def list_endpoints(request: web.Request, extras: Extras) -> web.Response:
    found = [dict(e, created=e["created"]) for e in extras.state.webhook_endpoints.values()]
    listed = page(found, dict(request.query), "/v1/webhook_endpoints")
    for endpoint in listed["data"]:
        endpoint.pop("secret", None)  # Stripe shows the secret only when it is created
    return web.json_response(listed)


async def delete_endpoint(request: web.Request, extras: Extras) -> web.Response:
    endpoint = extras.state.webhook_endpoints.pop(request.match_info["id"], None)
    if endpoint is None:
        raise missing("webhook endpoint", request.match_info["id"])
    extras.state.save()
    return web.json_response({"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True})


async def resend_event(request: web.Request, extras: Extras) -> web.Response:
    """Test helper: deliver an event again (Stripe may deliver one more than once)."""
    event = extras.state.events.get(request.match_info["id"])
    if event is None:
        raise missing("event", request.match_info["id"])
    return web.json_response({"event": event["id"], "endpoints": extras.bus.deliver(event)})


async def list_deliveries(request: web.Request, extras: Extras) -> web.Response:
    return web.json_response({"deliveries": extras.bus.deliveries})


async def forward(request: web.Request, extras: Extras) -> web.Response:
    return await extras.forward(request, await request.read())


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/v1/disputes", disputes.list_disputes),
    ("GET", "/v1/disputes/{id}", disputes.retrieve_dispute),
    ("POST", "/v1/disputes/{id}", disputes.update_dispute),
    ("POST", "/v1/disputes/{id}/close", disputes.close_dispute),
    ("POST", "/v1/refunds", disputes.guard_refund),
    ("POST", "/v1/customers/{customer}/balance_transactions", balances.create_balance_transaction),
    ("GET", "/v1/customers/{customer}/balance_transactions", balances.list_balance_transactions),
    (
        "GET",
        "/v1/customers/{customer}/balance_transactions/{id}",
        balances.retrieve_balance_transaction,
    ),
    ("POST", "/v1/credit_notes", balances.create_credit_note),
    ("GET", "/v1/credit_notes", balances.list_credit_notes),
    ("GET", "/v1/credit_notes/{id}", balances.retrieve_credit_note),
    ("GET", "/v1/events", list_events),
    ("GET", "/v1/events/{id}", retrieve_event),
    ("POST", "/v1/webhook_endpoints", create_endpoint),
    ("GET", "/v1/webhook_endpoints", list_endpoints),
    ("DELETE", "/v1/webhook_endpoints/{id}", delete_endpoint),
    ("POST", "/_extras/webhook_endpoints", create_endpoint),
    ("POST", "/_extras/disputes", disputes.open_dispute),
    ("POST", "/_extras/disputes/{id}/settle", disputes.settle_dispute),
    ("POST", "/_extras/events/{id}/resend", resend_event),
    ("GET", "/_extras/deliveries", list_deliveries),
]


def extras_app(state: ExtrasState, localstripe: str) -> web.Application:
    app = web.Application(client_max_size=1024**2)
    extras = Extras(state=state, bus=EventBus(state), localstripe=localstripe.rstrip("/"))
    app[EXTRAS_KEY] = extras
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, _bound(handler))
    app.router.add_route("*", "/{tail:.*}", _bound(forward, own=False))

    async def connections(_app: web.Application) -> Any:
        extras.session = ClientSession(timeout=ClientTimeout(total=30))
        await extras.bus.open()
        yield
        await extras.bus.close()
        await extras.session.close()

    app.cleanup_ctx.append(connections)
    return app
