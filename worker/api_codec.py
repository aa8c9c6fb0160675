"""The codec endpoints the Temporal UI and CLI decode payloads through (remote codec protocol).

`POST /codec/decode` and `/codec/encode` take and return `{"payloads": [...]}` (proto3 JSON: data
and metadata values base64). Reading a payload is reading customer data, so every call needs a
credential with the `payloads:decode` scope: `Authorization: Bearer` with a person key or OIDC
token (the UI's "pass access token", `temporal --codec-auth`), or, for a UI that cannot send a
header (the dev server's), a key made for it in the path: `/codec/k/<key>/decode`. Browsers may
call only from the UI's origins (CORS); preflights answer without a credential, as CORS requires.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

from worker.auth import PAYLOADS_DECODE, AuthFailed, auth_failed_response, authenticate
from worker.auth import require_scope as require
from worker.payload_codec import PayloadDecryptionFailed
from worker.settings import Settings

MAX_BODY_BYTES = 8 * 1024 * 1024  # a whole history page of payloads; Temporal's limit is 4 MiB
_KEY_IN_PATH = re.compile(r"(/codec/k/)[^/\s]+")


def ui_origins(settings: Settings) -> list[str]:
    if settings.codec_cors_origins:
        return settings.codec_cors_origins
    ui = urlsplit(settings.temporal_ui_url)
    return [f"{ui.scheme}://{ui.netloc}"]


def codec_app(parent: FastAPI, codec: PayloadCodec, settings: Settings) -> FastAPI:
    """Mounted at /codec on the API; credentials are checked against the API's key store."""
    app = FastAPI(title="supportflow codec", openapi_url=None, docs_url=None, redoc_url=None)

    async def run(request: Request, operation: str, token: str | None) -> JSONResponse:
        state = parent.state
        try:
            principal = await authenticate(state.store, state.oidc, token)
            require(principal, PAYLOADS_DECODE)
        except AuthFailed as failed:
            return auth_failed_response(failed)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _refusal(413, "too_large", f"at most {MAX_BODY_BYTES} bytes of payloads")
        payloads = _parse(body)
        if payloads is None:
            return _refusal(
                400,
                "invalid_payloads",
                'body must be {"payloads": [{"metadata": {...}, "data": "<base64>"}]}',
            )
        try:
            if operation == "decode":
                out = await codec.decode(payloads.payloads)
            else:
                out = await codec.encode(payloads.payloads)
        except PayloadDecryptionFailed as err:
            return _refusal(422, "undecodable_payload", str(err))
        return JSONResponse(MessageToDict(Payloads(payloads=out)))

    async def with_header(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        bearer = token.strip() if scheme.lower() == "bearer" else None
        return await run(request, request.url.path.rsplit("/", 1)[1], bearer)

    async def with_path_key(request: Request) -> JSONResponse:
        key = request.path_params["key"]
        return await run(request, request.url.path.rsplit("/", 1)[1], key)

    for operation in ("decode", "encode"):
        app.add_api_route(f"/{operation}", with_header, methods=["POST"])
        app.add_api_route(f"/{{namespace}}/{operation}", with_header, methods=["POST"])
        app.add_api_route(f"/k/{{key}}/{operation}", with_path_key, methods=["POST"])
    app.add_middleware(
        CORSMiddleware,
        allow_origins=ui_origins(settings),
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace"],
        allow_credentials=True,
        max_age=600,
    )
    logging.getLogger("uvicorn.access").addFilter(_hide_path_keys)
    return app


def _parse(body: bytes) -> Payloads | None:
    try:
        data: Any = json.loads(body)
        if not isinstance(data, dict) or not isinstance(data.get("payloads"), list):
            return None
        return ParseDict(data, Payloads(), ignore_unknown_fields=True)
    except (ValueError, ParseError, TypeError, RecursionError):
        return None


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status)


def _hide_path_keys(record: logging.LogRecord) -> bool:
    """Access logs keep the request line but never a key carried in the path."""
    if isinstance(record.args, tuple):
        record.args = tuple(
            _KEY_IN_PATH.sub(r"\1***", a) if isinstance(a, str) else a for a in record.args
        )
    return True


def mount_codec(app: FastAPI, settings: Settings, client: Any | None) -> None:
    """/codec on the API, with the codec of the injected client (tests) or of the settings."""
    from worker.data_converter import data_converter

    codec = client.data_converter.payload_codec if client is not None else None
    codec = codec or data_converter(settings).payload_codec
    assert codec is not None
    app.mount("/codec", codec_app(app, codec, settings))
