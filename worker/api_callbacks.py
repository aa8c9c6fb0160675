"""`PUT /callback`, `GET /callback`: a calling system registers where its case events go.

Only a system key may register, and only for itself (the key's name is the system); the
signing secret (`whsec_…`, Standard Webhooks) is returned when it is new and never again.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from worker.api_dependencies import CaseStore, case_store
from worker.api_errors import error_responses
from worker.auth import TICKETS_READ, TICKETS_WRITE, AuthFailed, Principal, scoped
from worker.callback_sources import validate_callback_url

router = APIRouter()


class CallbackRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    url: str = Field(min_length=8, max_length=2000)
    rotate_secret: bool = False

    @field_validator("url")
    @classmethod
    def _usable(cls, value: str) -> str:
        return validate_callback_url(value)


class CallbackView(BaseModel):
    system: str
    url: str
    secret: str | None = Field(
        None, description="The signing secret, only when it is new (first registration, rotation)"
    )


def _system_of(principal: Principal) -> str:
    if principal.kind != "system":
        raise AuthFailed(403, "system_required", "Only a calling system's key has a callback.")
    return principal.id.removeprefix("system:")


@router.put(
    "/callback",
    response_model=CallbackView,
    responses=error_responses(401, 403, 413, 422),
    tags=["callbacks"],
)
async def put_callback(
    registration: CallbackRegistration,
    principal: Annotated[Principal, scoped(TICKETS_WRITE)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> CallbackView:
    """Sets the caller's callback URL; case events of tickets it files are POSTed there."""
    system = _system_of(principal)
    endpoint, fresh = await asyncio.to_thread(
        store.register_callback,  # type: ignore[attr-defined]
        system,
        registration.url,
        rotate_secret=registration.rotate_secret,
    )
    return CallbackView(system=system, url=endpoint.url, secret=endpoint.secret if fresh else None)


@router.get(
    "/callback",
    response_model=CallbackView,
    responses=error_responses(401, 403, (404, "not_found: no callback registered")),
    tags=["callbacks"],
)
async def get_callback(
    principal: Annotated[Principal, scoped(TICKETS_READ)],
    store: Annotated[CaseStore, Depends(case_store)],
) -> CallbackView:
    """The caller's callback URL (never its secret)."""
    system = _system_of(principal)
    endpoint = await asyncio.to_thread(store.callback_for, system)  # type: ignore[attr-defined]
    if endpoint is None:
        raise HTTPException(404, f"No callback registered for {system}.")
    return CallbackView(system=system, url=endpoint.url)
