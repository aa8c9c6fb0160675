"""Vendors' webhooks take no API key: the vendor's signature over the raw body is the only
credential. Whatever else a caller sends — nothing, a forged signature, a valid supportflow
key — the request is refused before any case is touched, configured or not, and never with
a 2xx, a 500 or a stack trace."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr

from integrations.crm_store import CrmStore
from tests.api.conftest import make_settings
from tests.api_keys import CallerKeys
from worker.api import create_app

SIGNED_PATHS = ("/webhooks/stripe", "/webhooks/shopify", "/webhooks/zendesk")
BODY = json.dumps({"id": "evt_forged", "type": "charge.dispute.created"}).encode()


@pytest_asyncio.fixture(params=["unconfigured", "configured"])
async def webhook_api(
    request: pytest.FixtureRequest, database_url: str, crm_store: CrmStore
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with no Temporal behind it, with and without the vendors' secrets set."""
    update: dict[str, object] = {}
    if request.param == "configured":
        update = {
            "stripe_webhook_secret": SecretStr("whsec_test_secret"),
            "shopify_webhook_secret": SecretStr("shpss_test_secret"),
            "zendesk_webhook_secret": SecretStr("zendesk_test_secret"),
        }
    settings = make_settings("unused-queue", database_url).model_copy(update=update)
    app = create_app(settings, store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


FORGERIES = {
    "nothing": {},
    "forged-stripe": {"Stripe-Signature": "t=1700000000,v1=" + "0" * 64},
    "forged-shopify": {"X-Shopify-Hmac-Sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    "forged-zendesk": {
        "X-Zendesk-Webhook-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "X-Zendesk-Webhook-Signature-Timestamp": "2026-12-05T10:00:00Z",
    },
}


@pytest.mark.parametrize("path", SIGNED_PATHS)
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_an_unsigned_or_forged_delivery_is_refused(
    webhook_api: httpx.AsyncClient, path: str, forgery: str
) -> None:
    headers = {"content-type": "application/json", **FORGERIES[forgery]}
    response = await webhook_api.post(path, content=BODY, headers=headers)
    assert response.status_code in {400, 401, 404, 503}, response.text
    assert "error" in response.json()
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", SIGNED_PATHS)
async def test_an_api_key_is_not_a_signature(
    webhook_api: httpx.AsyncClient, api_keys: CallerKeys, path: str
) -> None:
    """A calling system's key opens the case endpoints, not the vendors' doors."""
    headers = {"content-type": "application/json", **api_keys.system_headers}
    response = await webhook_api.post(path, content=BODY, headers=headers)
    assert response.status_code in {400, 401, 404, 503}, response.text
    assert "received" not in response.json()
