"""`POST /imports/customers` and `POST /imports/orders`: bulk loading of the CRM for a real
deployment, validated row by row (worker/crm_import.py). Needs the `crm:import` scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from integrations.crm_store.keys import CRM_IMPORT
from worker.api_dependencies import case_store
from worker.api_errors import error_responses
from worker.auth import scoped
from worker.crm_import import ImportKind, ImportReport, import_rows

API_MAX_ROWS = 1000
router = APIRouter(prefix="/imports", tags=["ops"], dependencies=[scoped(CRM_IMPORT)])


class ImportRequest(BaseModel):
    # Rows stay untyped here: each is validated on its own, so one bad row is a reject in the
    # report, not a 422 for the whole request.
    # Bodies are capped at 64 KiB (api_errors.MAX_BODY_BYTES): a few hundred orders per call.
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=API_MAX_ROWS)


IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Every row was valid and is in the CRM (new or unchanged)"},
    207: {"model": ImportReport, "description": "Some rows were rejected; the others are in"},
    **error_responses(401, 403, 413, 422, 503),
}


async def _run(request: Request, kind: ImportKind, body: ImportRequest) -> JSONResponse:
    store: Any = case_store(request)
    report = await run_in_threadpool(import_rows, store, kind, body.rows)
    return JSONResponse(report.model_dump(), 207 if report.rejected else 200)


@router.post("/customers", response_model=ImportReport, responses=IMPORT_RESPONSES)
async def import_customers(
    request: Request, body: Annotated[ImportRequest, Body()]
) -> JSONResponse:
    """Customers: `id`, `name`, `email`, `tier` (default `standard`). An existing id is left
    as it is (reported `unchanged`)."""
    return await _run(request, "customers", body)


@router.post("/orders", response_model=ImportReport, responses=IMPORT_RESPONSES)
async def import_orders(request: Request, body: Annotated[ImportRequest, Body()]) -> JSONResponse:
    """Orders with their `lines` and the Stripe `payment` (charge id) that paid them; the
    customer must exist and the lines must add up to `total_cents`."""
    return await _run(request, "orders", body)
