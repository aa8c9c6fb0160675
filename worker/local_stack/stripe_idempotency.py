"""Stripe's idempotent requests, in front of a sandbox that ignores them (dev stack and tests only).

localstripe, our offline Stripe, ignores `Idempotency-Key`, so without this layer the local stack
cannot show what real Stripe guarantees and a retried refund POST pays twice. This aiohttp proxy
forwards everything to the sandbox and applies Stripe's documented rules to POSTs that carry a
key (https://docs.stripe.com/api/idempotent_requests):

- same key, same endpoint and parameters: the first answer (status and body, errors included)
  is replayed, marked `Idempotent-Replayed: true`, and the sandbox never sees the retry;
- same key while the first request is still executing: 409, `idempotency_error`;
- same key with another endpoint or other parameters: 400, `idempotency_error`;
- keys are scoped per API key (and connected account), kept 24 h, at most 255 characters.

The upstream call is shielded, so a request whose client gave up still completes and its answer
is saved: a real server finishes what it started, and the retry must then get that answer, not
a second refund. State is in memory: after a restart the 24 h window is simply over, which the
refund activity's metadata pre-check covers exactly as it does with Stripe. Not imported by the
production worker; `worker.local_stack.stripe_sandbox` runs it in the sandbox process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from aiohttp import ClientSession, ClientTimeout, web

KEY_TTL_SECONDS = 24 * 60 * 60
MAX_KEY_LENGTH = 255
UPSTREAM_TIMEOUT_SECONDS = 60.0
# Hop-by-hop or recomputed by aiohttp; never copied between the two connections.
_SKIPPED_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
}


@dataclass
class _Entry:
    scope: tuple[str, str]
    fingerprint: str
    path: str
    created: float
    done: asyncio.Event = field(default_factory=asyncio.Event)
    status: int = 0
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class IdempotencyProxy:
    """An aiohttp application forwarding to `upstream` with Stripe's idempotency semantics.

    `clock` (seconds, monotonic) exists so tests can move past the 24 h window without waiting.
    """

    def __init__(self, upstream: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.upstream = upstream.rstrip("/")
        self._clock = clock
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._session: ClientSession | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**2)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        app.cleanup_ctx.append(self._client_session)
        return app

    async def _client_session(self, _app: web.Application):  # type: ignore[no-untyped-def]
        self._session = ClientSession(timeout=ClientTimeout(total=UPSTREAM_TIMEOUT_SECONDS))
        yield
        await asyncio.gather(*self._pending, return_exceptions=True)
        await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        key = request.headers.get("Idempotency-Key")
        # Stripe applies keys to POST only; GET and DELETE are idempotent by definition.
        if request.method != "POST" or key is None:
            status, headers, answer = await self._forward(request, body)
            return web.Response(status=status, headers=headers, body=answer)
        if len(key) > MAX_KEY_LENGTH:
            return _error(
                400,
                "invalid_request_error",
                f"Invalid idempotency key: keys must be at most {MAX_KEY_LENGTH} characters.",
            )
        self._expire()
        scope = (_scope_of(request), key)
        fingerprint = _fingerprint(request.path, body)
        entry = self._entries.get(scope)
        if entry is None:
            entry = _Entry(scope, fingerprint, request.path, self._clock())
            self._entries[scope] = entry
            # Shielded: if the client hangs up, the request still runs to the end and its
            # answer is kept for the retry, as Stripe does.
            task = asyncio.ensure_future(self._execute(entry, request, body))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            await asyncio.shield(task)
            return _answer(entry, replayed=False)
        if entry.path != request.path:
            return _error(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{request.path}' vs '{entry.path}'). Try using a key "
                f"other than '{key}' if you meant to execute a different request.",
            )
        if entry.fingerprint != fingerprint:
            return _error(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
            )
        if not entry.done.is_set():
            return _error(
                409,
                "idempotency_error",
                "There is currently another in-progress request using this Stripe API key "
                "and idempotency key. Please try again later.",
                code="idempotency_key_in_use",
            )
        return _answer(entry, replayed=True)

    async def _execute(self, entry: _Entry, request: web.Request, body: bytes) -> None:
        try:
            entry.status, entry.headers, entry.body = await self._forward(request, body)
        except (OSError, TimeoutError) as error:
            # The sandbox never answered: nothing began executing, so nothing is kept and the
            # same key may be tried again, as with Stripe.
            entry.status, entry.headers = 502, {"Content-Type": "application/json"}
            entry.body = _error_body("api_error", f"Stripe sandbox unreachable: {error!r}")
            self._entries.pop(entry.scope, None)
        finally:
            entry.done.set()

    async def _forward(
        self, request: web.Request, body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert self._session is not None
        return await forward(self._session, self.upstream, request, body)

    def _expire(self) -> None:
        cutoff = self._clock() - KEY_TTL_SECONDS
        for scope in [
            s for s, e in self._entries.items() if e.done.is_set() and e.created < cutoff
        ]:
            del self._entries[scope]


async def forward(
    session: ClientSession, upstream: str, request: web.Request, body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """`request` (its body already read) sent on to `upstream`: (status, headers, body)."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _SKIPPED_HEADERS}
    async with session.request(
        request.method, upstream + request.path_qs, headers=headers, data=body
    ) as response:
        answer = await response.read()
        kept = {k: v for k, v in response.headers.items() if k.lower() not in _SKIPPED_HEADERS}
        return response.status, kept, answer


def serve_behind_idempotency(
    inner_app: web.Application, port: int, announce: Callable[[str, str], None]
) -> None:
    """Runs `inner_app` on its own loopback port behind this layer on `port` (0: a free one)
    until SIGTERM; `announce(inner URL, outer URL)` once both listen. The inner app starts
    first and stops last, so the layer never forwards to nothing."""
    # Bound here rather than in run_app so that port 0 works and the real port is announced.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    proxy = IdempotencyProxy("http://127.0.0.1:0")

    async def serve_inner(_app: web.Application):  # type: ignore[no-untyped-def]
        runner = web.AppRunner(inner_app, access_log=None)
        await runner.setup()
        inner = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        inner.bind(("127.0.0.1", 0))
        await web.SockSite(runner, inner).start()
        proxy.upstream = f"http://127.0.0.1:{inner.getsockname()[1]}"
        announce(proxy.upstream, f"http://127.0.0.1:{sock.getsockname()[1]}")
        yield
        await runner.cleanup()

    outer = proxy.app()
    outer.cleanup_ctx.insert(0, serve_inner)
    web.run_app(outer, sock=sock, access_log=None, print=None)


def _scope_of(request: web.Request) -> str:
    """Keys belong to one API key (and connected account); hashed so no secret is kept."""
    credential = request.headers.get("Authorization", "")
    account = request.headers.get("Stripe-Account", "")
    return hashlib.sha256(f"{credential}\n{account}".encode()).hexdigest()


def _fingerprint(path: str, body: bytes) -> str:
    """The parameters as Stripe compares them: the decoded form, order of fields ignored."""
    try:
        params = sorted(parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        return hashlib.sha256(path.encode() + b"\n" + body).hexdigest()
    return hashlib.sha256(json.dumps([path, params]).encode()).hexdigest()


def _answer(entry: _Entry, *, replayed: bool) -> web.Response:
    headers = dict(entry.headers)
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return web.Response(status=entry.status, headers=headers, body=entry.body)


def _error_body(error_type: str, message: str, code: str | None = None) -> bytes:
    error: dict[str, str] = {"type": error_type, "message": message}
    if code is not None:
        error["code"] = code
    return json.dumps({"error": error}).encode()


def _error(status: int, error_type: str, message: str, code: str | None = None) -> web.Response:
    """An error shaped like Stripe's, so the real SDK raises what Stripe would make it raise."""
    return web.Response(
        status=status,
        body=_error_body(error_type, message, code),
        content_type="application/json",
    )
