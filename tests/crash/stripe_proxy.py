"""A loopback HTTP proxy in front of the Stripe sandbox that can freeze one call mid-flight.

Crash tests need the worker to die at an exact point of the refund call, and the only place to
observe that point from outside the worker process is the wire. Each `Hold` arms once for one
method and path and stops that call at a `Boundary`:

- `BEFORE_STRIPE`: the request reached the proxy and is kept there; Stripe never sees it.
- `AFTER_STRIPE`: Stripe answered (the refund exists) and the answer is kept from the worker.
- `AFTER_DELIVERY`: the answer was delivered; the hold only signals that it has been.

The test waits for `hold.reached`, kills the worker, then calls `hold.drop_connection()`: the
held call is cut without ever being forwarded or answered, as a dead process's call would be.

Faults short of a crash (issue 7, defect 10: a POST that lands after its attempt gave up):

- `UNTIL_NEXT_CALL`: the request is kept before Stripe until the next call to the same method
  and path arrives (the retry, so certainly past the first attempt's end), then forwarded
  first, its answer written to whoever still listens, and only then is the retry forwarded;
- `AFTER_NEXT_CALL`: the same, but forwarded once the retry has been answered (lands last);
- `Hold.release()` forwards a held `BEFORE_STRIPE` call on the test's command.

`override_refunds(key_prefix, **fields)` rewrites every refund object whose key (our metadata)
starts with `key_prefix` in answers from `/v1/refunds`, the way a fake makes Stripe say a refund
`failed` (shapes from Stripe's fixtures). A prefix, so a test need not know how the workflow
spells its key generations.

The proxy speaks just enough HTTP/1.1 for the Stripe SDK (requests/urllib3): one request per
connection, `Content-Length` bodies, and `Connection: close` on every answer so the client never
reuses a connection the proxy is about to close. It runs in the test's event loop, so holds are
plain asyncio events, and never sits between the test's own assertions and the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from integrations.stripe_billing import IDEMPOTENCY_METADATA_KEY

UPSTREAM_TIMEOUT_SECONDS = 30.0
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection"}


class Boundary(StrEnum):
    BEFORE_STRIPE = "before_stripe"
    AFTER_STRIPE = "after_stripe"
    AFTER_DELIVERY = "after_delivery"
    UNTIL_NEXT_CALL = "until_next_call"
    AFTER_NEXT_CALL = "after_next_call"


_LATE = (Boundary.UNTIL_NEXT_CALL, Boundary.AFTER_NEXT_CALL)


@dataclass
class Hold:
    """One armed stop on the first call matching `method` and `path` (query string ignored)."""

    method: str
    path: str
    boundary: Boundary
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    # Set once a held call has been forwarded and its answer written (or found nobody).
    delivered: asyncio.Event = field(default_factory=asyncio.Event)
    delivered_status: int | None = None
    _dropped: asyncio.Event = field(default_factory=asyncio.Event)
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    armed: bool = True

    def release(self) -> None:
        """Forward the held call now and deliver its answer (if its client still listens)."""
        self._released.set()

    def drop_connection(self) -> None:
        """Cut the held call: a request held before Stripe is never forwarded, an answer held
        after Stripe is never delivered."""
        self._dropped.set()

    async def wait_dropped(self) -> None:
        await self._dropped.wait()


@dataclass(frozen=True)
class ProxiedCall:
    method: str
    path: str
    status: int | None
    outcome: str


class StripeProxy:
    """Forwards every call to `upstream` (the sandbox's base URL) except where a hold says stop."""

    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._upstream_host = target.hostname or "127.0.0.1"
        self._upstream_port = target.port or 80
        self._holds: list[Hold] = []
        self._refund_overrides: dict[str, dict[str, Any]] = {}
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.calls: list[ProxiedCall] = []
        self.base_url = ""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._track, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def close(self) -> None:
        """Stops listening and cuts whatever is still held, so no handler outlives the test."""
        for hold in self._holds:
            hold.drop_connection()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    def hold(self, method: str, path: str, boundary: Boundary) -> Hold:
        hold = Hold(method.upper(), path, boundary)
        self._holds.append(hold)
        return hold

    def override_refunds(self, key_prefix: str, **fields: Any) -> None:
        """Answers from /v1/refunds show every refund whose key starts with `key_prefix` with
        `fields` (e.g. status="failed", failure_reason="expired_or_canceled_card")."""
        self._refund_overrides[key_prefix] = fields

    def calls_to(self, method: str, path: str) -> list[ProxiedCall]:
        return [c for c in self.calls if c.method == method.upper() and c.path == path]

    def describe_calls(self) -> str:
        return "\n".join(f"{c.method} {c.path} -> {c.status} ({c.outcome})" for c in self.calls)

    # -- connection handling -------------------------------------------------------------------

    async def _track(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._connections.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        request_line, headers = _parse_head(head)
        method, target, _version = request_line.split(" ", 2)
        path = target.split("?", 1)[0]
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        waiting = self._waiting_for_next(method, path)
        hold = self._claim_hold(method, path)

        if hold is not None and (hold.boundary is Boundary.BEFORE_STRIPE or hold.boundary in _LATE):
            await self._keep_until_released(hold, writer, method, target, head, body)
            return
        for late in waiting:
            if late.boundary is Boundary.UNTIL_NEXT_CALL:
                late.release()
                await late.delivered.wait()
        answer = self._rewrite(path, await self._forward(method, target, head, body))
        status = _status_of(answer)
        if hold is not None and hold.boundary is Boundary.AFTER_STRIPE:
            await self._keep_until_dropped(hold, writer, method, path, status)
            return
        outcome = await _deliver(writer, answer)
        self.calls.append(ProxiedCall(method, path, status, outcome))
        writer.close()
        if hold is not None:  # AFTER_DELIVERY: the worker has the whole answer now
            hold.reached.set()
        for late in waiting:
            if late.boundary is Boundary.AFTER_NEXT_CALL:
                late.release()

    def _waiting_for_next(self, method: str, path: str) -> list[Hold]:
        """Late holds already holding a call that this call (the next one) sets going."""
        return [
            h
            for h in self._holds
            if h.boundary in _LATE
            and h.reached.is_set()
            and not h._released.is_set()
            and (h.method, h.path) == (method, path)
        ]

    def _claim_hold(self, method: str, path: str) -> Hold | None:
        for hold in self._holds:
            if hold.armed and hold.method == method and hold.path == path:
                hold.armed = False
                return hold
        return None

    async def _keep_until_released(
        self,
        hold: Hold,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        head: bytes,
        body: bytes,
    ) -> None:
        """Keep the call before Stripe until released (forward it, answer whoever listens) or
        dropped (cut it unforwarded)."""
        path = target.split("?", 1)[0]
        hold.reached.set()
        released = asyncio.ensure_future(hold._released.wait())
        dropped = asyncio.ensure_future(hold._dropped.wait())
        await asyncio.wait({released, dropped}, return_when=asyncio.FIRST_COMPLETED)
        released.cancel()
        dropped.cancel()
        if not hold._released.is_set():
            writer.transport.abort()
            self.calls.append(ProxiedCall(method, path, None, "held before Stripe, then cut"))
            return
        answer = self._rewrite(path, await self._forward(method, target, head, body))
        hold.delivered_status = _status_of(answer)
        outcome = await _deliver(writer, answer)
        writer.close()
        self.calls.append(
            ProxiedCall(method, path, hold.delivered_status, f"held, then forwarded; {outcome}")
        )
        hold.delivered.set()

    def _rewrite(self, path: str, answer: bytes) -> bytes:
        if not self._refund_overrides or not path.startswith("/v1/refunds"):
            return answer
        return _rewrite_json(answer, self._override_refund)

    def _override_refund(self, document: Any) -> Any:
        objects = document.get("data", []) if document.get("object") == "list" else [document]
        for obj in objects:
            if isinstance(obj, dict) and obj.get("object") == "refund":
                key = (obj.get("metadata") or {}).get(IDEMPOTENCY_METADATA_KEY) or ""
                for prefix, fields in self._refund_overrides.items():
                    if key.startswith(prefix):
                        obj.update(fields)
        return document

    async def _keep_until_dropped(
        self,
        hold: Hold,
        writer: asyncio.StreamWriter,
        method: str,
        path: str,
        status: int | None,
    ) -> None:
        hold.reached.set()
        await hold.wait_dropped()
        # abort(), not close(): the client sees a reset, never a clean (empty) answer.
        writer.transport.abort()
        where = "before" if status is None else "after"
        self.calls.append(ProxiedCall(method, path, status, f"held {where} Stripe, then cut"))

    async def _forward(self, method: str, target: str, head: bytes, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(self._upstream_host, self._upstream_port)
        try:
            _, headers_block = head.split(b"\r\n", 1)
            kept = [
                line
                for line in headers_block.split(b"\r\n")
                if line and line.split(b":", 1)[0].strip().lower().decode() not in _HOP_BY_HOP
            ]
            upstream_head = b"\r\n".join(
                [f"{method} {target} HTTP/1.1".encode(), *kept, b"Connection: close"]
            )
            writer.write(upstream_head + b"\r\n\r\n" + body)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), UPSTREAM_TIMEOUT_SECONDS)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        return _force_connection_close(answer)


def _parse_head(head: bytes) -> tuple[str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        # The Stripe SDK always sends Content-Length; anything else means the proxy was misused.
        raise ValueError("the proxy forwards Content-Length bodies only, not chunked ones")
    return lines[0], headers


async def _deliver(writer: asyncio.StreamWriter, answer: bytes) -> str:
    try:
        writer.write(answer)
        await writer.drain()
    except ConnectionError:
        return "client gone"
    return "delivered"


def _rewrite_json(answer: bytes, change: Any) -> bytes:
    """Apply `change` to a JSON answer's document, with a Content-Length that matches."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep or not body.strip().startswith(b"{"):
        return answer
    new_body = json.dumps(change(json.loads(body))).encode()
    status_line, *header_lines = head.split(b"\r\n")
    kept = [line for line in header_lines if not line.lower().startswith(b"content-length:")]
    length = f"Content-Length: {len(new_body)}".encode()
    return b"\r\n".join([status_line, *kept, length]) + sep + new_body


def _status_of(answer: bytes) -> int | None:
    parts = answer.split(b"\r\n", 1)[0].split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def _force_connection_close(answer: bytes) -> bytes:
    """The proxy closes after each answer; saying so keeps urllib3 from reusing the socket."""
    head, sep, rest = answer.partition(b"\r\n\r\n")
    if not sep:
        return answer
    status_line, *header_lines = head.split(b"\r\n")
    kept = [
        line
        for line in header_lines
        if line.split(b":", 1)[0].strip().lower().decode() not in _HOP_BY_HOP
    ]
    return b"\r\n".join([status_line, *kept, b"Connection: close"]) + sep + rest
