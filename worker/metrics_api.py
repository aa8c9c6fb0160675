"""`GET /metrics` on the API (Prometheus text format) and the webhook counters behind it.

/metrics needs a key with the `metrics:read` scope (`supportflow keys create prometheus --scope
metrics:read`), sent by Prometheus as `authorization: {credentials_file: ...}`: the figures say how
much money moved and how many cases wait, which is not for the public internet the API faces.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from integrations.crm_store.keys import METRICS_READ
from worker.api_errors import error_responses
from worker.auth import scoped
from worker.metrics_business import business_registry

# Webhook routes and the vendor each one counts under.
WEBHOOK_VENDORS = {"/webhooks/stripe": "stripe", "/webhooks/shopify": "shopify"}

router = APIRouter(tags=["ops"])


@router.get(
    "/metrics",
    dependencies=[scoped(METRICS_READ)],
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"},
        **error_responses(401, 403),
    },
)
async def metrics(request: Request) -> Response:
    """Business metrics in the Prometheus text format (docs/operations.md lists them)."""
    # The CRM queries block: off the event loop, like every other store call.
    body = await run_in_threadpool(generate_latest, request.app.state.metrics_registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI) -> None:
    """Registers /metrics and counts webhook deliveries by their answer: 2xx received, anything
    else refused (bad signature, stale, malformed, not configured)."""
    registry, received, rejected = business_registry(lambda: getattr(app.state, "store", None))
    app.state.metrics_registry = registry
    app.include_router(router)

    @app.middleware("http")
    async def count_webhooks(
        request: Request, call_next: Callable[[Request], Awaitable[Any]]
    ) -> Any:
        vendor = WEBHOOK_VENDORS.get(request.url.path)
        response = await call_next(request)
        if vendor is not None:
            received.labels(vendor).inc()
            if response.status_code >= 300:
                rejected.labels(vendor, str(response.status_code)).inc()
        return response
