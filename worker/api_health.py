"""`/healthz`: whether Temporal and the CRM database both answer; served without a credential."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from worker.api_dependencies import case_store
from worker.case_status import TicketReader
from worker.temporal_gate import TemporalGate

log = logging.getLogger("supportflow.api")

HEALTH_TIMEOUT = timedelta(seconds=3)


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


router = APIRouter()


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Temporal or the database is down"}},
    tags=["ops"],
)
async def healthz(request: Request) -> JSONResponse:
    """200 when Temporal and the database both answer, 503 (with which one failed) otherwise."""
    temporal, database = await asyncio.gather(
        _temporal_health(request.app.state.temporal), _database_health(case_store(request))
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
