"""A local OIDC issuer for tests: an RSA key generated per session, its JWKS served over real HTTP
on loopback (what PyJWKClient fetches in production), and a minter for tokens, good and bad."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://idp.supportflow.test/"
AUDIENCE = "supportflow-api"
KID = "test-key-1"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class LocalIssuer:
    jwks_url: str
    key: rsa.RSAPrivateKey

    def token(
        self,
        person: str = "alice",
        *,
        issuer: str = ISSUER,
        audience: str = AUDIENCE,
        expires_in: int = 300,
        kid: str = KID,
        key: rsa.RSAPrivateKey | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "sub": f"user-{person}",
            "preferred_username": person,
            "iat": now,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid})


def _jwks(key: rsa.RSAPrivateKey) -> bytes:
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return json.dumps({"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()


@pytest.fixture(scope="session")
def local_issuer() -> Iterator[LocalIssuer]:
    key = new_rsa_key()
    body = _jwks(key)

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalIssuer(f"http://127.0.0.1:{server.server_address[1]}/jwks.json", key)
    finally:
        server.shutdown()
        server.server_close()


def oidc_settings(issuer: LocalIssuer) -> dict[str, Any]:
    """The Settings fields that switch OIDC on against the local issuer."""
    return {
        "SUPPORTFLOW_OIDC_ISSUER": ISSUER,
        "SUPPORTFLOW_OIDC_AUDIENCE": AUDIENCE,
        "SUPPORTFLOW_OIDC_JWKS_URL": issuer.jwks_url,
        "SUPPORTFLOW_OIDC_LEEWAY_SECONDS": 5,
    }
