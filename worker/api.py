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
from datetime import timedelta
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from temporalio.client import Client

from worker.api_errors import error_responses, install_error_handlers
from worker.api_slack import SlackClickStore, start_slack
from worker.approvals import ApprovalSubmission, decide
from worker.auth import (
    TICKETS_READ,
    TICKETS_WRITE,
    ApprovingPerson,
    Principal,
    authenticated,
    install_auth,
    requester_for,
    scoped,
)
from worker.case_status import CaseView, TicketReader, read_ticket
from worker.cases import CaseStarted, TicketSubmission, file_ticket
from worker.customer_replies import ReplyAccepted, ReplySubmission, send_reply
from worker.oidc import OidcVerifier
from worker.settings import Settings, get_settings
from worker.temporal_gate import TemporalGate, TemporalUnavailable
from workflows.case.contract import ApprovalReceipt
from workflows.ticket.contract import TICKET_ID_PATTERN

log = logging.getLogger("supportflow.api")

TicketId = Annotated[str, Path(min_length=1, max_length=64, pattern=TICKET_ID_PATTERN)]
HEALTH_TIMEOUT = timedelta(seconds=3)


class CaseStore(SlackClickStore, TicketReader, Protocol):
    """The CRM store as the API uses it: cases, and the API keys callers authenticate with."""

    def verify_api_key(self, presented: str) -> Any: ...

    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None: ...


class ApprovalResponse(ApprovalReceipt):
    ticket_id: str


class HealthProblem(BaseModel):
    error: Literal["temporal_unavailable", "database_unavailable"]
    message: str


class Health(BaseModel):
    """What failed, as fixed codes and sentences: the exceptions behind them go to the API log,
    since a health endpoint is often public and their text can name hosts, paths and SQL."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    status: Literal["ok", "unavailable"]
    temporal: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    problems: list[HealthProblem] = []


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
    return app


def _temporal(request: Request) -> TemporalGate:
    """The gate, not a client: connecting inside the handler lets FastAPI validate the request
    first, so a bad body is a 422 even while Temporal is down."""
    gate: TemporalGate = request.app.state.temporal
    return gate


def _store(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _audit(
    store: CaseStore, principal: Principal, ticket_id: str, action: str, detail: str
) -> None:
    """Best effort, like the refusal audit: the change already happened in Temporal, and a
    failed audit write must not turn its answer into an error the caller would retry."""
    try:
        await asyncio.to_thread(
            store.record_api_event,
            ticket_id,
            principal.id,
            action,
            f"{detail} (via {principal.credential})",
        )
    except Exception:
        log.exception("could not audit %s on ticket %s by %s", action, ticket_id, principal.id)


def _add_routes(app: FastAPI) -> None:
    # Every route on this router needs a credential: an endpoint added here later is closed
    # until a scope check says who may use it. Only /healthz (and Slack's signed Request URL)
    # are served without one.
    cases = APIRouter(dependencies=[Depends(authenticated)])

    @cases.post(
        "/tickets",
        status_code=202,
        response_model=CaseStarted,
        responses={
            200: {"model": CaseStarted, "description": "The ticket already had a case"},
            **error_responses(400, 401, 403, 413, 422, 503),
        },
        tags=["tickets"],
    )
    async def post_ticket(
        ticket: TicketSubmission,
        response: Response,
        principal: Annotated[Principal, scoped(TICKETS_WRITE)],
        temporal: Annotated[TemporalGate, Depends(_temporal)],
        store: Annotated[CaseStore, Depends(_store)],
        settings: Annotated[Settings, Depends(_settings)],
    ) -> CaseStarted:
        """Starts the ticket's case; the same ticket id again returns the existing case (200).

        The requester is the caller: a person's id, or `system:<key name>` for a calling
        system. A key with the `tickets:on_behalf` scope may name the agent it files for in
        `requested_by` (that agent then cannot approve the case); without it, 403."""
        requested_by = requester_for(principal, ticket.asserted_requester())
        started = await file_ticket(
            await temporal.client(), settings, ticket.filed_by(requested_by)
        )
        if started.existing:
            response.status_code = 200
        else:
            detail = f"filed a {started.process} case, requested by {requested_by}"
            await _audit(store, principal, ticket.ticket_id, "api_ticket_filed", detail)
        return started

    @cases.get(
        "/tickets/{ticket_id}",
        response_model=CaseView,
        responses=error_responses(
            401, 403, (404, "not_found: no case and no CRM record for this ticket"), 422, 503
        ),
        tags=["tickets"],
    )
    async def get_ticket(
        ticket_id: TicketId,
        _: Annotated[Principal, scoped(TICKETS_READ)],
        temporal: Annotated[TemporalGate, Depends(_temporal)],
        store: Annotated[CaseStore, Depends(_store)],
        settings: Annotated[Settings, Depends(_settings)],
    ) -> CaseView:
        """Live state from the running case; the CRM record once it has closed."""
        view = await read_ticket(await temporal.client(), store, settings, ticket_id)
        if view is None:
            raise HTTPException(404, f"No case for ticket {ticket_id}.")
        return view

    @cases.post(
        "/tickets/{ticket_id}/replies",
        status_code=202,
        response_model=ReplyAccepted,
        responses=error_responses(
            400,
            401,
            403,
            (404, "not_found: no case for this ticket"),
            (409, "not_awaiting_reply or case_closed"),
            413,
            422,
            503,
        ),
        tags=["tickets"],
    )
    async def post_reply(
        ticket_id: TicketId,
        reply: ReplySubmission,
        principal: Annotated[Principal, scoped(TICKETS_WRITE)],
        temporal: Annotated[TemporalGate, Depends(_temporal)],
        store: Annotated[CaseStore, Depends(_store)],
    ) -> ReplyAccepted:
        """Delivers the customer's reply to a ticket waiting for one (a clarifying question);
        the case then triages the ticket again with the reply and continues on its own."""
        accepted = await send_reply(await temporal.client(), ticket_id, reply)
        detail = f"delivered customer reply {accepted.round} via {reply.channel}"
        await _audit(store, principal, ticket_id, "api_reply_delivered", detail)
        return accepted

    @cases.post(
        "/tickets/{ticket_id}/approvals",
        response_model=ApprovalResponse,
        responses=error_responses(
            400,
            401,
            (
                403,
                "not_an_approver, self_approval, insufficient_scope, or person_required "
                "(a calling system's key never decides)",
            ),
            (
                409,
                "stale_request, already_decided, expired, no_pending_approval, case_closed",
            ),
            413,
            422,
            503,
        ),
        tags=["approvals"],
    )
    async def post_approval(
        ticket_id: TicketId,
        submission: ApprovalSubmission,
        person: ApprovingPerson,
        temporal: Annotated[TemporalGate, Depends(_temporal)],
        store: Annotated[CaseStore, Depends(_store)],
    ) -> ApprovalResponse:
        """Approves or rejects the case's pending request as the authenticated person (a person
        key or an OIDC token with `approvals:write`); the body cannot name an approver."""
        receipt = await decide(
            await temporal.client(), store, ticket_id, submission, approver=person.id, channel="api"
        )
        detail = f"{submission.decision} on request {receipt.request_id}: {receipt.status}"
        await _audit(store, person, ticket_id, "api_approval_decided", detail)
        return ApprovalResponse(ticket_id=ticket_id, **receipt.model_dump())

    app.include_router(cases)

    @app.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health, "description": "Temporal or the database is down"}},
        tags=["ops"],
    )
    async def healthz(request: Request) -> JSONResponse:
        """200 when Temporal and the database both answer, 503 (with which one failed) otherwise."""
        temporal, database = await asyncio.gather(
            _temporal_health(request.app.state.temporal), _database_health(_store(request))
        )
        body = Health(
            status="ok" if temporal is None and database is None else "unavailable",
            temporal="ok" if temporal is None else "unavailable",
            database="ok" if database is None else "unavailable",
            problems=[problem for problem in (temporal, database) if problem is not None],
        )
        return JSONResponse(body.model_dump(), 200 if body.status == "ok" else 503)


async def _temporal_health(gate: TemporalGate) -> HealthProblem | None:
    try:
        client = await gate.client()
        healthy = await client.service_client.check_health(timeout=HEALTH_TIMEOUT)
    except Exception:  # any failure is an answer here, not an error
        log.warning("health: Temporal did not answer", exc_info=True)
        return HealthProblem(
            error="temporal_unavailable", message="Temporal did not answer the health check."
        )
    if not healthy:
        return HealthProblem(
            error="temporal_unavailable", message="Temporal answered but is not serving."
        )
    return None


async def _database_health(store: TicketReader | None) -> HealthProblem | None:
    """Reads a ticket that cannot exist: proves the connection and the migrated schema at once."""
    if store is None:
        return HealthProblem(
            error="database_unavailable", message="The CRM store is not initialised yet."
        )
    try:
        await asyncio.wait_for(
            asyncio.to_thread(store.get_ticket, "healthz-probe"), HEALTH_TIMEOUT.total_seconds()
        )
    except Exception:
        log.warning("health: the CRM database did not answer", exc_info=True)
        return HealthProblem(
            error="database_unavailable",
            message="The CRM database did not answer the health check.",
        )
    return None
