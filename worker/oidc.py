"""People's OIDC bearer tokens, verified against the configured issuer's published keys.

The token must be signed by a key in the issuer's JWKS (looked up by `kid`), with an allowed
asymmetric algorithm (never `none`, never HMAC: an HMAC "secret" taken from a public JWKS would
let anyone mint tokens), issued by the configured issuer for our audience and unexpired (give or
take the leeway for clock skew). One claim (`preferred_username` by default) names the person,
in the same canonical form as approver ids in the policy.
"""

from __future__ import annotations

import asyncio
import logging

import jwt
from jwt import PyJWKClient

from policies.identity import canonical_person_id
from worker.settings import Settings

log = logging.getLogger("supportflow.auth")

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
JWKS_TIMEOUT_SECONDS = 5


class OidcRejected(Exception):
    """The token is not a valid token of the configured issuer; the message says which check
    failed, in words safe to return to the caller."""


class OidcConfigError(ValueError):
    """The OIDC settings are incomplete or unsafe."""


class OidcVerifier:
    """Verifies bearer tokens of one issuer; the JWKS is fetched on first use and cached (a new
    `kid`, as after a key rotation, triggers a refetch inside PyJWKClient)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str,
        person_claim: str = "preferred_username",
        leeway_seconds: int = 30,
        algorithms: list[str] | None = None,
    ) -> None:
        allowed = list(algorithms or ["RS256", "ES256"])
        unsafe = [a for a in allowed if a not in ASYMMETRIC_ALGORITHMS]
        if unsafe:
            raise OidcConfigError(
                f"SUPPORTFLOW_OIDC_ALGORITHMS may only name asymmetric algorithms, not {unsafe}"
            )
        self.issuer = issuer
        self.audience = audience
        self.person_claim = person_claim
        self.leeway_seconds = leeway_seconds
        self.algorithms = allowed
        self._jwks = PyJWKClient(jwks_url, cache_keys=True, timeout=JWKS_TIMEOUT_SECONDS)

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcVerifier | None:
        """None when OIDC is off (no issuer); an error when it is half configured."""
        if not settings.oidc_issuer:
            return None
        missing = [
            name
            for name, value in (
                ("SUPPORTFLOW_OIDC_AUDIENCE", settings.oidc_audience),
                ("SUPPORTFLOW_OIDC_JWKS_URL", settings.oidc_jwks_url),
            )
            if not value
        ]
        if missing:
            raise OidcConfigError(
                f"SUPPORTFLOW_OIDC_ISSUER is set but {' and '.join(missing)} is not"
            )
        assert settings.oidc_audience and settings.oidc_jwks_url
        return cls(
            issuer=settings.oidc_issuer,
            audience=settings.oidc_audience,
            jwks_url=settings.oidc_jwks_url,
            person_claim=settings.oidc_person_claim,
            leeway_seconds=settings.oidc_leeway_seconds,
            algorithms=settings.oidc_algorithms,
        )

    def person_id(self, token: str) -> str:
        """The canonical person id the token was issued to (raises OidcRejected)."""
        try:
            signing_key = self._jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError as err:
            log.warning("cannot fetch the OIDC issuer's JWKS: %s", err)
            raise OidcRejected("the identity provider's signing keys could not be fetched") from err
        except (jwt.PyJWKClientError, jwt.DecodeError) as err:
            raise OidcRejected("the token names no signing key of the configured issuer") from err
        try:
            claims = jwt.decode(
                token,
                signing_key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise OidcRejected("the token has expired") from err
        except jwt.InvalidAudienceError as err:
            raise OidcRejected("the token is not issued for this API (audience)") from err
        except jwt.InvalidIssuerError as err:
            raise OidcRejected("the token is not from the configured issuer") from err
        except jwt.InvalidAlgorithmError as err:
            raise OidcRejected("the token's signing algorithm is not allowed") from err
        except jwt.InvalidSignatureError as err:
            raise OidcRejected("the token's signature does not verify") from err
        except jwt.MissingRequiredClaimError as err:
            raise OidcRejected(f"the token lacks the {err.claim!r} claim") from err
        except jwt.InvalidTokenError as err:
            raise OidcRejected("the token is not a valid token of the configured issuer") from err
        raw = claims.get(self.person_claim)
        person = canonical_person_id(raw) if isinstance(raw, str) else ""
        if not person:
            raise OidcRejected(f"the token's {self.person_claim!r} claim names no person")
        return person

    async def verify(self, token: str) -> str:
        """`person_id` off the event loop: a JWKS fetch is blocking HTTP."""
        return await asyncio.to_thread(self.person_id, token)
