"""HTTP API for backends and approvers: file tickets, read where a case stands, decide approvals.

The API holds no state of its own: cases live in Temporal, records in the CRM store. It starts
even when Temporal is down (and answers 503 until it is back) so a load balancer's health check,
not a crash loop, tells operators what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from temporalio.client import Client

from worker import (
    api_approvals,
    api_callbacks,
    api_examples,
    api_handoffs,
    api_health,
    api_import,
    api_onboarding,
    api_shopify_webhooks,
    api_stripe_webhooks,
    api_tickets,
    api_zendesk_webhooks,
)
from worker.api_codec import mount_codec
from worker.api_dependencies import CaseStore
from worker.api_errors import install_error_handlers
from worker.api_slack import start_slack
from worker.auth import authenticated, install_auth
from worker.metrics_api import install_metrics
from worker.oidc import OidcVerifier
from worker.settings import Settings, get_settings
from worker.telemetry import instrument_api
from worker.temporal_gate import TemporalGate, TemporalUnavailable

log = logging.getLogger("supportflow.api")


def _default_store(settings: Settings) -> CaseStore:
    from integrations.crm_store import CrmStore

    store = CrmStore(settings.database_url)
    store.migrate()
    return store


def create_app(
    settings: Settings | None = None,
    *,
    temporal_client: Client | None = None,
    store: CaseStore | None = None,
) -> FastAPI:
    """Builds the API. Tests inject a client and store; `supportflow api` lets the lifespan make
    them from settings (the store's migrations run before the first request)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or await asyncio.to_thread(_default_store, settings)
        try:
            await app.state.temporal.client()
        except TemporalUnavailable as err:
            log.warning("starting without Temporal (will retry on each request): %s", err)
        socket_mode = await start_slack(app, settings, app.state.temporal, app.state.store)
        try:
            yield
        finally:
            if socket_mode is not None:
                await socket_mode.stop()

    app = FastAPI(
        title="supportflow",
        version="0.1.0",
        summary="Customer-support cases as durable Temporal workflows.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.temporal = TemporalGate(temporal_client)
    app.state.store = store
    install_error_handlers(app)
    # Built here, not in the lifespan: a half-configured issuer must stop the API from starting.
    install_auth(app, OidcVerifier.from_settings(settings))
    _add_routes(app)
    # The Temporal UI's codec server: decoded payloads for people with `payloads:decode`.
    mount_codec(app, settings, temporal_client)
    install_metrics(app)
    instrument_api(app)
    return app


def _add_routes(app: FastAPI) -> None:
    # Every route on this router needs a credential: an endpoint added here later is closed
    # until a scope check says who may use it. Only /healthz (and Slack's signed Request URL)
    # are served without one.
    cases = APIRouter(dependencies=[Depends(authenticated)])
    cases.include_router(api_tickets.router)
    cases.include_router(api_approvals.router)
    cases.include_router(api_onboarding.router)
    cases.include_router(api_examples.router)
    cases.include_router(api_handoffs.router)
    cases.include_router(api_callbacks.router)
    cases.include_router(api_import.router)
    app.include_router(cases)
    app.include_router(api_health.router)
    # Authenticated by Stripe's signature, not an API key.
    app.include_router(api_stripe_webhooks.router)
    # Signed by Shopify (X-Shopify-Hmac-Sha256), not by a supportflow credential.
    app.include_router(api_shopify_webhooks.router)
    # Signed by Zendesk (X-Zendesk-Webhook-Signature), not by a supportflow credential.
    app.include_router(api_zendesk_webhooks.router)
