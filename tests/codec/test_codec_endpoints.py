"""The codec endpoints the Temporal UI decodes payloads through: Temporal's remote codec protocol,
a credential with `payloads:decode` (header or, for the dev UI, a key in the path), CORS only for
the UI's origin, and clear 4xx answers for bad input."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from google.protobuf.json_format import MessageToDict

from integrations.crm_store import CrmStore
from integrations.crm_store.keys import PAYLOADS_DECODE
from tests.api.conftest import make_settings
from tests.api_keys import CallerKeys
from worker.api import create_app
from worker.api_codec import _hide_path_keys
from worker.data_converter import data_converter
from worker.payload_codec import ENCODING
from workflows.refund.contract import RefundRequest

UI = "http://ui.test:8233"  # TEMPORAL_UI_URL of tests/api's settings
REQUEST = RefundRequest(
    ticket_id="T-ui",
    customer_id="cus_1001",
    order_id="ord_5001",
    subject="Kettle",
    body="Jordan Ellis here, the kettle leaks",
)


@pytest_asyncio.fixture
async def codec_api(
    task_queue: str, database_url: str, crm_store: CrmStore
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(task_queue, database_url), store=crm_store)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        yield client


@pytest.fixture
def decoder_key(crm_store: CrmStore) -> str:
    return crm_store.create_api_key(
        "engineer", "person", person_id="eve", scopes=[PAYLOADS_DECODE], created_by="tests"
    ).key


@pytest.fixture
def ui_key(crm_store: CrmStore) -> str:
    return crm_store.create_api_key(
        "temporal-ui", "system", scopes=[PAYLOADS_DECODE], created_by="tests"
    ).key


async def encrypted_body() -> dict:
    payloads = await data_converter().encode([REQUEST])
    return {"payloads": [MessageToDict(p) for p in payloads]}


def first_json(response: httpx.Response) -> RefundRequest:
    payload = response.json()["payloads"][0]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    return RefundRequest.model_validate_json(base64.b64decode(payload["data"]))


async def test_decode_with_a_bearer_key_shows_the_case(
    codec_api: httpx.AsyncClient, decoder_key: str
) -> None:
    body = await encrypted_body()
    assert b"Jordan" not in base64.b64decode(body["payloads"][0]["data"])
    for path in ("/codec/decode", "/codec/default/decode"):  # plain and {namespace}-templated
        response = await codec_api.post(
            path, json=body, headers={**CallerKeys.bearer(decoder_key), "X-Namespace": "default"}
        )
        assert response.status_code == 200, response.text
        assert first_json(response) == REQUEST


async def test_encode_then_decode_round_trips(
    codec_api: httpx.AsyncClient, decoder_key: str
) -> None:
    [plain] = data_converter().payload_converter.to_payloads([REQUEST])
    headers = CallerKeys.bearer(decoder_key)
    encoded = await codec_api.post(
        "/codec/encode", json={"payloads": [MessageToDict(plain)]}, headers=headers
    )
    assert encoded.status_code == 200
    sealed = encoded.json()["payloads"][0]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == ENCODING
    decoded = await codec_api.post("/codec/decode", json=encoded.json(), headers=headers)
    assert first_json(decoded) == REQUEST


async def test_the_ui_key_in_the_path_decodes(codec_api: httpx.AsyncClient, ui_key: str) -> None:
    response = await codec_api.post(f"/codec/k/{ui_key}/decode", json=await encrypted_body())
    assert response.status_code == 200
    assert first_json(response) == REQUEST
    wrong = ui_key[:-1] + ("A" if ui_key[-1] != "A" else "B")
    refused = await codec_api.post(f"/codec/k/{wrong}/decode", json=await encrypted_body())
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_credential"


async def test_credentials_without_the_scope_are_refused(
    codec_api: httpx.AsyncClient, api_keys: CallerKeys
) -> None:
    body = await encrypted_body()
    for path in ("/codec/decode", "/codec/encode"):
        missing = await codec_api.post(path, json=body)
        assert missing.status_code == 401
        assert missing.json()["error"] == "missing_credential"
        assert missing.headers["www-authenticate"] == 'Bearer realm="supportflow"'
        for headers in (api_keys.system_headers, api_keys.person("alice")):
            response = await codec_api.post(path, json=body, headers=headers)
            assert response.status_code == 403, response.text
            assert response.json()["error"] == "insufficient_scope"
            assert "Jordan" not in response.text
        garbage = await codec_api.post(path, json=body, headers={"Authorization": "Bearer x"})
        assert garbage.status_code == 401


async def test_bad_bodies_and_tampered_payloads_are_clear_4xx(
    codec_api: httpx.AsyncClient, decoder_key: str
) -> None:
    headers = CallerKeys.bearer(decoder_key)
    for content in (b"not json", b"[]", b'{"payloads": "x"}', b'{"payloads": [{"data": 5}]}'):
        response = await codec_api.post("/codec/decode", content=content, headers=headers)
        assert response.status_code == 400, content
        assert response.json()["error"] == "invalid_payloads"
    body = await encrypted_body()
    data = bytearray(base64.b64decode(body["payloads"][0]["data"]))
    data[-1] ^= 1
    body["payloads"][0]["data"] = base64.b64encode(bytes(data)).decode()
    tampered = await codec_api.post("/codec/decode", json=body, headers=headers)
    assert tampered.status_code == 422
    assert tampered.json()["error"] == "undecodable_payload"
    assert "Traceback" not in tampered.text
    get = await codec_api.get("/codec/decode", headers=headers)
    assert get.status_code == 405


async def test_cors_admits_only_the_ui_origin(
    codec_api: httpx.AsyncClient, decoder_key: str
) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
    }
    ok = await codec_api.options("/codec/decode", headers={"Origin": UI, **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == UI
    assert ok.headers["access-control-allow-credentials"] == "true"
    assert "x-namespace" in ok.headers["access-control-allow-headers"].lower()
    evil = await codec_api.options(
        "/codec/decode", headers={"Origin": "http://evil.test", **preflight}
    )
    assert evil.status_code == 400
    assert "access-control-allow-origin" not in evil.headers
    body = await encrypted_body()
    headers = CallerKeys.bearer(decoder_key)
    from_ui = await codec_api.post("/codec/decode", json=body, headers={**headers, "Origin": UI})
    assert from_ui.headers["access-control-allow-origin"] == UI
    other = await codec_api.post(
        "/codec/decode", json=body, headers={**headers, "Origin": "http://evil.test"}
    )
    assert "access-control-allow-origin" not in other.headers
    # The rest of the API is not opened to browsers by the codec's CORS.
    api_preflight = await codec_api.options("/tickets", headers={"Origin": UI, **preflight})
    assert "access-control-allow-origin" not in api_preflight.headers


def test_access_logs_never_carry_a_path_key() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "POST", "/codec/k/sfk_0123456789ab_secret/decode", "1.1", 200),
        None,
    )
    assert _hide_path_keys(record)
    assert "secret" not in record.getMessage()
    assert "/codec/k/***/decode" in record.getMessage()
