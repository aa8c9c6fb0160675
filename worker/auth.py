"""Who is calling: API keys of calling systems and people, and people's OIDC bearer tokens.

Every case endpoint and CLI command resolves its credential to a `Principal` here, and nothing
in a request body can say who the caller is: the approver of a decision is the authenticated
person, a ticket's requester is the caller (or, with `tickets:on_behalf`, the agent a system
files for). Principal ids are canonical (policies/identity.py), so `Alice` and `alice` are one
person to the approval gate.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from integrations.crm_store.keys import (
    APPROVALS_WRITE,
    KEY_PREFIX,
    ONBOARDING_WRITE,
    PAYLOADS_DECODE,
    TICKETS_ON_BEHALF,
    TICKETS_READ,
    TICKETS_WRITE,
    VerifiedKey,
)
from policies.identity import canonical_person_id, is_system_principal
from worker.oidc import OidcRejected, OidcVerifier

__all__ = [
    "APPROVALS_WRITE",
    "ONBOARDING_WRITE",
    "TICKETS_ON_BEHALF",
    "TICKETS_READ",
    "TICKETS_WRITE",
    "AuthFailed",
    "Principal",
    "authenticate",
]

REALM = "supportflow"
# What a person signed in through OIDC may do; a finer split belongs in per-person keys. Decoding
# payloads lets the Temporal UI (passing the user's access token) show what the case holds.
OIDC_PERSON_SCOPES = frozenset({TICKETS_WRITE, TICKETS_READ, APPROVALS_WRITE, PAYLOADS_DECODE})


class CredentialStore(Protocol):
    def verify_api_key(self, presented: str) -> VerifiedKey | None: ...


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `id` is the canonical principal id decisions and requests are
    recorded under; `credential` says which key or token proved it (for audit rows)."""

    id: str
    kind: Literal["system", "person"]
    scopes: frozenset[str]
    credential: str

    @property
    def is_person(self) -> bool:
        return self.kind == "person"


class AuthFailed(Exception):
    """401 (no valid credential) or 403 (valid, but not allowed to do this). `code` is stable for
    programs; `message` says what failed, never what the server knows internally."""

    def __init__(self, status: int, code: str, message: str, scope: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.scope = scope

    def www_authenticate(self) -> str:
        """RFC 6750 §3: what a client needs to know to retry with the right credential."""
        if self.code == "missing_credential":
            return f'Bearer realm="{REALM}"'
        if self.status == 401:
            return f'Bearer realm="{REALM}", error="invalid_token"'
        scope = f', scope="{self.scope}"' if self.scope else ""
        return f'Bearer realm="{REALM}", error="insufficient_scope"{scope}'


def _from_key(verified: VerifiedKey) -> Principal:
    return Principal(
        id=verified.principal_id,
        kind=verified.kind,
        scopes=verified.scopes,
        credential=f"key {verified.name} ({verified.key_id})",
    )


async def authenticate(
    store: CredentialStore | None, oidc: OidcVerifier | None, token: str | None
) -> Principal:
    """The principal a bearer credential proves, or AuthFailed(401)."""
    accepted = "an API key (sfk_...)" + (" or an OIDC token" if oidc is not None else "")
    if not token:
        raise AuthFailed(
            401, "missing_credential", f"This endpoint needs 'Authorization: Bearer' {accepted}."
        )
    if token.startswith(f"{KEY_PREFIX}_"):
        if store is None:
            raise AuthFailed(401, "invalid_credential", "API keys cannot be checked right now.")
        verified = await asyncio.to_thread(store.verify_api_key, token)
        if verified is None:
            raise AuthFailed(401, "invalid_credential", "The API key is unknown or revoked.")
        return _from_key(verified)
    if oidc is not None and token.count(".") == 2:
        try:
            person = await oidc.verify(token)
        except OidcRejected as rejected:
            raise AuthFailed(
                401, "invalid_credential", f"OIDC token refused: {rejected}."
            ) from None
        return Principal(
            id=person, kind="person", scopes=OIDC_PERSON_SCOPES, credential=f"oidc {oidc.issuer}"
        )
    raise AuthFailed(401, "invalid_credential", f"The credential is not {accepted}.")


def require_scope(principal: Principal, scope: str) -> Principal:
    if scope not in principal.scopes:
        raise AuthFailed(
            403,
            "insufficient_scope",
            f"The credential of {principal.id} lacks the {scope!r} scope.",
            scope=scope,
        )
    return principal


def require_person(principal: Principal) -> Principal:
    """Decisions are made by people: a calling system's key never decides, whatever its scopes,
    so no integration can become an approver."""
    if not principal.is_person:
        raise AuthFailed(
            403,
            "person_required",
            "Approvals are decided by a person: use a person key or an OIDC token, "
            f"not the key of {principal.id}.",
            scope=APPROVALS_WRITE,
        )
    return require_scope(principal, APPROVALS_WRITE)


def requester_for(principal: Principal, asserted: str | None) -> str:
    """Who a ticket is requested by: the caller, or the agent a system with `tickets:on_behalf`
    files for (canonicalised, so the gate's self-approval check sees the same id)."""
    if asserted is None:
        return principal.id
    agent = canonical_person_id(asserted)
    if agent == principal.id:
        return agent
    if not agent or is_system_principal(agent):
        raise AuthFailed(403, "on_behalf_refused", "requested_by must name a person (an agent id).")
    require_scope(principal, TICKETS_ON_BEHALF)
    return agent


# -- FastAPI wiring ----------------------------------------------------------------------------

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="supportflowCredential",
    description="An API key (`sfk_...`, `supportflow keys create`) or, when "
    "SUPPORTFLOW_OIDC_ISSUER is set, a person's OIDC access token.",
)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, once per request (FastAPI caches it for the scope checks below)."""
    state = request.app.state
    principal = await authenticate(
        state.store, state.oidc, credentials.credentials if credentials else None
    )
    request.state.principal = principal
    return principal


def scoped(scope: str) -> Any:
    """A dependency: the caller, if their credential carries `scope`."""

    async def dependency(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        return require_scope(principal, scope)

    return Depends(dependency)


async def _approving_person(principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
    return require_person(principal)


ApprovingPerson = Annotated[Principal, Depends(_approving_person)]


async def _on_auth_failed(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthFailed)
    return auth_failed_response(exc)


async def refuse_unauthenticated(request: Request) -> JSONResponse | None:
    """The 401 for a request without a valid credential, or None. For errors FastAPI raises
    before any dependency runs (an undecodable body is read first), so an unauthenticated
    caller is told to authenticate, not how their body was parsed."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    state = request.app.state
    try:
        await authenticate(
            getattr(state, "store", None),
            getattr(state, "oidc", None),
            token.strip() if scheme.lower() == "bearer" else None,
        )
    except AuthFailed as failed:
        return auth_failed_response(failed) if failed.status == 401 else None
    return None


def auth_failed_response(exc: AuthFailed) -> JSONResponse:
    return JSONResponse(
        {"error": exc.code, "message": exc.message},
        exc.status,
        headers={"WWW-Authenticate": exc.www_authenticate()},
    )


def install_auth(app: FastAPI, oidc: OidcVerifier | None) -> None:
    app.state.oidc = oidc
    app.add_exception_handler(AuthFailed, _on_auth_failed)
