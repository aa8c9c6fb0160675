"""Error responses of the HTTP API: always JSON, always a stable `error` code, never a traceback.

Backends integrate against these codes, so bad input is a 4xx that names the field, an outage is a
503 that says what is down, and only a bug in supportflow itself is a 500.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.service import RPCError

from worker.approval_refusals import ApprovalRefused, CaseUnavailable
from worker.auth import refuse_unauthenticated
from worker.customer_replies import ReplyRefused
from worker.temporal_gate import TemporalUnavailable

log = logging.getLogger("supportflow.api")

MAX_BODY_BYTES = 64 * 1024
FORBIDDEN_REFUSALS = {"not_an_approver", "self_approval"}


class ErrorBody(BaseModel):
    """Every error answer: `error` is a stable code to branch on, `message` a sentence for
    people. Neither ever carries an exception's text (that goes to the API log)."""

    error: str
    message: str


class FieldError(BaseModel):
    field: str
    message: str
    type: str


class InvalidRequest(ErrorBody):
    """422: the request could not be used as sent (undecodable body, wrong or missing fields);
    `errors` names each field."""

    error: Literal["invalid_request"]
    errors: list[FieldError]


class Unavailable(ErrorBody):
    """503: a system the API depends on did not answer; nothing was started or decided."""

    error: Literal["temporal_unavailable", "case_unavailable", "database_unavailable"]


# Fixed sentences: what failed and what to do, the same whatever the exception said.
TEMPORAL_DOWN = "Temporal is unavailable; nothing was started or decided. Retry later."
CASE_DOWN = (
    "The case did not answer (Temporal or the worker running it is unavailable); "
    "nothing was decided. Retry later."
)
DATABASE_DOWN = "The case database is unavailable; nothing was changed. Retry later."
BODY_NOT_JSON = "Body is not valid UTF-8 JSON"

_DESCRIPTIONS = {
    400: "bad_request: malformed Content-Length header",
    401: "unauthorized: missing, unknown or revoked credential",
    403: "forbidden: the credential may not do this",
    404: "not_found",
    409: "conflict",
    413: f"payload_too_large: body over {MAX_BODY_BYTES // 1024} KiB",
    422: "invalid_request: undecodable body or invalid fields",
    503: "temporal_unavailable, case_unavailable or database_unavailable",
}
_MODELS: dict[int, type[BaseModel]] = {422: InvalidRequest, 503: Unavailable}


def error_responses(*statuses: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status it can answer, with the body model it sends. A
    `(status, description)` pair names the route's own codes (`(409, "stale_request, ...")`)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for entry in statuses:
        status, description = entry if isinstance(entry, tuple) else (entry, _DESCRIPTIONS[entry])
        documented[status] = {"model": _MODELS.get(status, ErrorBody), "description": description}
    return documented


def error_body(error: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "message": message, **extra}


def _too_large() -> HTTPException:
    return HTTPException(
        413, f"Request body is larger than the {MAX_BODY_BYTES // 1024} KiB this API accepts."
    )


class BodySizeLimit:
    """Refuses oversized bodies before they are buffered: by Content-Length when declared, and by
    counting chunks when not (chunked uploads would otherwise bypass the header check)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            response = JSONResponse(
                error_body("bad_request", "Invalid Content-Length header."), 400
            )
            await response(scope, receive, send)
            return
        if declared is not None and int(declared) > self.max_bytes:
            too_large = _too_large()
            response = JSONResponse(error_body("payload_too_large", too_large.detail), 413)
            await response(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large()
            return message

        await self.app(scope, counted_receive, send)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "path", "query", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for err in exc.errors():
        message = str(err.get("msg", "invalid value"))
        if err.get("type") == "json_invalid":
            detail = (err.get("ctx") or {}).get("error")
            message = f"Body is not valid JSON ({detail})" if detail else "Body is not valid JSON"
            errors.append({"field": "body", "message": message, "type": "json_invalid"})
            continue
        if err.get("type") == "missing" and tuple(err.get("loc", ())) == ("body",):
            message = "A JSON object body is required"
        errors.append(
            {"field": _field(tuple(err.get("loc", ()))), "message": message, "type": err["type"]}
        )
    return errors


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return JSONResponse(error_body("invalid_request", summary, errors=errors), 422)


def _undecodable_body(exc: StarletteHTTPException) -> bool:
    """FastAPI answers a body it could not decode (invalid UTF-8, JSON nested past the parser's
    recursion limit) with a bare 400; it is the same client mistake as malformed JSON."""
    return exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if _undecodable_body(exc):
        # Slack's endpoint authenticates by signature and answers bodies itself.
        if not request.url.path.startswith("/slack"):
            refused = await refuse_unauthenticated(request)
            if refused is not None:
                return refused
        errors = [{"field": "body", "message": BODY_NOT_JSON, "type": "json_invalid"}]
        return JSONResponse(
            error_body("invalid_request", f"body: {BODY_NOT_JSON}", errors=errors), 422
        )
    codes = {
        401: "unauthorized",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
    }
    error = codes.get(exc.status_code, "bad_request" if exc.status_code < 500 else "server_error")
    return JSONResponse(
        error_body(error, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _on_refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApprovalRefused)
    status = 403 if exc.code in FORBIDDEN_REFUSALS else 409
    return JSONResponse(error_body(exc.code, exc.message), status)


async def _on_reply_refused(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReplyRefused)
    return JSONResponse(error_body(exc.code, exc.message), 404 if exc.code == "not_found" else 409)


async def _on_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("dependency unavailable: %s", exc, exc_info=exc)
    if isinstance(exc, TemporalUnavailable):
        return JSONResponse(error_body("temporal_unavailable", TEMPORAL_DOWN), 503)
    return JSONResponse(error_body("case_unavailable", CASE_DOWN), 503)


async def _on_rpc(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    log.warning("Temporal RPC failed: %s (%s)", exc.message, exc.status.name, exc_info=exc)
    # The status name is a fixed gRPC code, safe to show; the message is the server's text.
    message = f"Temporal call failed ({exc.status.name}); nothing was started or decided."
    return JSONResponse(error_body("temporal_unavailable", message), 503)


async def _on_database(_: Request, exc: Exception) -> JSONResponse:
    log.warning("CRM database unavailable: %s", exc, exc_info=exc)
    return JSONResponse(error_body("database_unavailable", DATABASE_DOWN), 503)


async def _on_unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "Internal error; see the API log."), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(ApprovalRefused, _on_refused)
    app.add_exception_handler(ReplyRefused, _on_reply_refused)
    app.add_exception_handler(CaseUnavailable, _on_unavailable)
    app.add_exception_handler(TemporalUnavailable, _on_unavailable)
    app.add_exception_handler(RPCError, _on_rpc)
    app.add_exception_handler(OperationalError, _on_database)
    app.add_exception_handler(PoolTimeout, _on_database)
    app.add_exception_handler(Exception, _on_unexpected)
    app.add_middleware(BodySizeLimit)
