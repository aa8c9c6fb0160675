"""What the API's routes share: the Temporal gate, the CRM store and settings of the app serving
the request, the ticket id as a path parameter, and the audit row every change leaves."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any, Protocol

from fastapi import Path, Request

from worker.api_slack import SlackClickStore
from worker.auth import Principal
from worker.case_status import TicketReader
from worker.settings import Settings
from worker.temporal_gate import TemporalGate
from workflows.ticket.contract import TICKET_ID_PATTERN

log = logging.getLogger("supportflow.api")

TicketId = Annotated[str, Path(min_length=1, max_length=64, pattern=TICKET_ID_PATTERN)]


class CaseStore(SlackClickStore, TicketReader, Protocol):
    """The CRM store as the API uses it: cases, and the API keys callers authenticate with."""

    def verify_api_key(self, presented: str) -> Any: ...

    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None: ...


def temporal_gate(request: Request) -> TemporalGate:
    """The gate, not a client: connecting inside the handler lets FastAPI validate the request
    first, so a bad body is a 422 even while Temporal is down."""
    gate: TemporalGate = request.app.state.temporal
    return gate


def case_store(request: Request) -> CaseStore:
    store: CaseStore = request.app.state.store
    return store


def api_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def audit(
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
