"""People's OIDC bearer tokens (issue 7 #2): verified against the issuer's JWKS served on
loopback; every forged or misdirected token is a 401 that says which check failed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.security.oidc_issuer import (
    AUDIENCE,
    ISSUER,
    LocalIssuer,
    local_issuer,
    new_rsa_key,
    oidc_settings,
)
from worker.api import create_app
from worker.oidc import OidcConfigError, OidcRejected, OidcVerifier
from worker.settings import Settings

__all__ = ["local_issuer"]


def verifier(issuer: LocalIssuer) -> OidcVerifier:
    return OidcVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=issuer.jwks_url)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned_token(issuer: LocalIssuer) -> str:
    """`alg: none`: a valid-looking token with the issuer's kid and no signature at all."""
    claims = jwt.decode(issuer.token("alice"), options={"verify_signature": False})
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'test-key-1'})}.{_b64(claims)}."


def hmac_with_public_key(issuer: LocalIssuer) -> str:
    """The classic key-confusion forgery: HS256 keyed with the issuer's public key."""
    header = _b64({"alg": "HS256", "typ": "JWT", "kid": "test-key-1"})
    claims = jwt.decode(issuer.token("alice"), options={"verify_signature": False})
    body = _b64(claims)
    secret = issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def test_a_valid_token_names_its_person_canonically(local_issuer: LocalIssuer) -> None:
    assert verifier(local_issuer).person_id(local_issuer.token("Alice")) == "alice"


@pytest.mark.parametrize(
    ("forge", "fragment"),
    [
        (lambda i: i.token(issuer="https://evil.test/"), "not from the configured issuer"),
        (lambda i: i.token(audience="another-api"), "audience"),
        (lambda i: i.token(expires_in=-60), "expired"),
        (lambda i: i.token(key=new_rsa_key()), "signature does not verify"),
        (lambda i: i.token(kid="rotated-away"), "names no signing key"),
        (unsigned_token, "algorithm is not allowed"),
        (hmac_with_public_key, "algorithm is not allowed"),
        (lambda i: i.token(preferred_username=""), "names no person"),
        (lambda i: "not.a.jwt", "names no signing key"),
    ],
    ids=[
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "bad-signature",
        "unknown-kid",
        "alg-none",
        "hs256-key-confusion",
        "no-person",
        "garbage",
    ],
)
def test_forged_or_misdirected_tokens_are_refused(
    local_issuer: LocalIssuer, forge: object, fragment: str
) -> None:
    token = forge(local_issuer)  # type: ignore[operator]
    with pytest.raises(OidcRejected) as refused:
        verifier(local_issuer).person_id(token)
    assert fragment in str(refused.value)


def test_leeway_tolerates_small_clock_skew_only(local_issuer: LocalIssuer) -> None:
    lenient = OidcVerifier(
        issuer=ISSUER, audience=AUDIENCE, jwks_url=local_issuer.jwks_url, leeway_seconds=30
    )
    assert lenient.person_id(local_issuer.token("bob", expires_in=-10)) == "bob"
    with pytest.raises(OidcRejected):
        lenient.person_id(local_issuer.token("bob", expires_in=-120))


def test_symmetric_algorithms_cannot_be_configured(local_issuer: LocalIssuer) -> None:
    with pytest.raises(OidcConfigError):
        OidcVerifier(
            issuer=ISSUER, audience=AUDIENCE, jwks_url=local_issuer.jwks_url, algorithms=["HS256"]
        )


def test_half_configured_oidc_stops_the_api(local_issuer: LocalIssuer) -> None:
    settings = Settings(_env_file=None, SUPPORTFLOW_OIDC_ISSUER=ISSUER)  # type: ignore[call-arg]
    with pytest.raises(OidcConfigError, match="SUPPORTFLOW_OIDC_AUDIENCE"):
        create_app(settings)


# -- over HTTP ---------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def oidc_api(
    local_issuer: LocalIssuer,
    dev_server_env: WorkflowEnvironment,
    database_url: str,
    crm_store: CrmStore,
    task_queue: str,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=database_url,
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        **oidc_settings(local_issuer),
    )
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


async def test_a_person_reads_a_ticket_with_their_token(
    oidc_api: httpx.AsyncClient, local_issuer: LocalIssuer
) -> None:
    headers = {"Authorization": f"Bearer {local_issuer.token('carol')}"}
    response = await oidc_api.get("/tickets/T-never-filed", headers=headers)
    assert response.status_code == 404, response.text  # authenticated: the ticket is just absent


@pytest.mark.parametrize(
    "token",
    [
        lambda i: i.token(expires_in=-60),
        lambda i: i.token(audience="another-api"),
        unsigned_token,
    ],
    ids=["expired", "wrong-audience", "alg-none"],
)
async def test_a_refused_token_is_401_saying_why(
    oidc_api: httpx.AsyncClient, local_issuer: LocalIssuer, token: object
) -> None:
    headers = {"Authorization": f"Bearer {token(local_issuer)}"}  # type: ignore[operator]
    response = await oidc_api.get("/tickets/T-1", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_credential"
    assert response.json()["message"].startswith("OIDC token refused: ")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
