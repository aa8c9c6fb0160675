"""The Shopify GraphQL Admin API over plain HTTP: one POST per operation, no retries of its own.

Temporal owns retries, so this client never retries and never sleeps: it sends one request and
turns every answer that is not data into one of the exceptions below, which the Shopify error
mapping (`activities/shopify_errors.py`) classifies. The API version is pinned: Shopify changes
schemas per version, and `refundCreate`'s `@idempotent` directive exists from 2026-01 on.
"""

from __future__ import annotations

import math
from typing import Any

import httpx2

API_VERSION = "2026-01"
ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"


class ShopifyError(Exception):
    """Anything but data. `headers` are the response's (a derived `Retry-After` included)."""

    def __init__(
        self, message: str, *, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


class ShopifyThrottled(ShopifyError):
    """HTTP 429, or a GraphQL `THROTTLED` error: the cost bucket is empty for now."""


class ShopifyUnavailable(ShopifyError):
    """A connection failure, a timeout or a 5xx: the request may or may not have run."""


class ShopifyAuthError(ShopifyError):
    """401/403: a wrong token, or an app without the scope the operation needs."""


class ShopifyRejected(ShopifyError):
    """Any other 4xx or GraphQL error: the request itself is wrong and will stay wrong."""


class ShopifyUserErrors(ShopifyError):
    """A mutation ran and refused, with `userErrors` (field, message, code) saying why."""

    def __init__(self, operation: str, errors: list[dict[str, Any]]) -> None:
        text = "; ".join(str(error.get("message", "")) for error in errors) or "no message"
        super().__init__(f"{operation} refused: {text}")
        self.errors = errors
        self.codes = [str(error.get("code") or "") for error in errors]


def cost_wait_seconds(extensions: dict[str, Any] | None) -> int | None:
    """Seconds until the bucket holds the query's cost again, from `extensions.cost` (requested
    cost minus what is available, at the restore rate); None when the answer does not say."""
    cost = (extensions or {}).get("cost") or {}
    bucket = cost.get("throttleStatus") or {}
    try:
        missing = float(cost["requestedQueryCost"]) - float(bucket["currentlyAvailable"])
        rate = float(bucket["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    return max(1, math.ceil(missing / rate))


class ShopifyAdmin:
    """One shop's GraphQL Admin endpoint (`https://<shop>/admin/api/<version>/graphql.json`);
    `base_url` points it elsewhere (the loopback fake in tests). The timeout keeps the three
    calls of a refund attempt inside the money step's start-to-close (30 s)."""

    def __init__(
        self,
        shop: str,
        access_token: str,
        *,
        api_version: str = API_VERSION,
        base_url: str | None = None,
        timeout_seconds: float = 5.0,
    ) -> None:
        root = (base_url or f"https://{shop}").rstrip("/")
        self.endpoint = f"{root}/admin/api/{api_version}/graphql.json"
        self.shop = shop
        self.timeout_seconds = timeout_seconds
        self._http = httpx2.Client(
            timeout=timeout_seconds,
            headers={ACCESS_TOKEN_HEADER: access_token},
            transport=httpx2.HTTPTransport(retries=0),
        )

    def close(self) -> None:
        self._http.close()

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of one GraphQL operation, or a `ShopifyError`."""
        try:
            response = self._http.post(
                self.endpoint, json={"query": query, "variables": variables or {}}
            )
        except httpx2.TransportError as error:
            raise ShopifyUnavailable(f"Shopify unreachable: {type(error).__name__}") from None
        headers = dict(response.headers)
        body = _json(response)
        if response.status_code == 429:
            raise ShopifyThrottled("Shopify rate limit (429)", status=429, headers=headers)
        if response.status_code >= 500 or response.status_code == 408:
            raise ShopifyUnavailable(
                f"Shopify answered {response.status_code}", status=response.status_code
            )
        if response.status_code in (401, 403):
            raise ShopifyAuthError(
                f"Shopify refused the access token ({response.status_code})",
                status=response.status_code,
            )
        if response.status_code >= 400 or body is None:
            raise ShopifyRejected(
                f"Shopify answered {response.status_code}: {_errors_text(body)}",
                status=response.status_code,
            )
        errors = body.get("errors") or []
        if any(_code(error) == "THROTTLED" for error in errors):
            wait = cost_wait_seconds(body.get("extensions"))
            if wait is not None and not any(k.lower() == "retry-after" for k in headers):
                headers["Retry-After"] = str(wait)
            raise ShopifyThrottled("Shopify query cost throttled", status=200, headers=headers)
        if any(_code(error) == "IDEMPOTENCY_CONCURRENT_REQUEST" for error in errors):
            # The first request with this key is still running: ask again once it has ended.
            raise ShopifyUnavailable("Shopify is still running a request with this key", status=200)
        if errors:
            raise ShopifyRejected(f"GraphQL errors: {_errors_text(body)}", status=200)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopifyRejected("GraphQL answer without data", status=200)
        return data


def _json(response: httpx2.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _code(error: Any) -> str:
    return str(((error or {}).get("extensions") or {}).get("code") or "")


def _errors_text(body: dict[str, Any] | None) -> str:
    errors = (body or {}).get("errors") or []
    if isinstance(errors, str):
        return errors[:300]
    return "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict))[:300]
