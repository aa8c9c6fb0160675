"""A fake Shopify GraphQL Admin API on loopback: a real HTTP server the real client talks to.

`FakeShop` (shopify_fake_shop.py) holds the orders and refunds; this module is the HTTP side as
Shopify documents it: `POST /admin/api/<version>/graphql.json` with `X-Shopify-Access-Token`
(401 without the right one), every answer carrying `extensions.cost`, throttling as a 200 with
a `THROTTLED` error and the bucket's state (or a 429 with `Retry-After`), and the
`@idempotent(key:)` directive on `refundCreate`. Faults are queued per test (`throttle`,
`fail`), and `hold_refund_create` parks the answer of a refund that was made, for crash tests.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from integrations.shopify_admin import API_VERSION
from tests.commerce.shopify_fake_graphql import UnknownField, prune, selection_set
from tests.commerce.shopify_fake_shop import FakeShop, UserErrors, variables_fingerprint

TOKEN = "shpat_fake_token"
_OPERATION = re.compile(r"^\s*(query|mutation)\s+(\w+)")
_IDEMPOTENT = re.compile(r"@idempotent\(\s*key:\s*\$(\w+)\s*\)")
MAXIMUM_AVAILABLE = 2000.0
RESTORE_RATE = 100.0


@dataclass
class Fault:
    status: int  # 200 means a THROTTLED GraphQL error
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None


@dataclass
class HeldRefund:
    """`reached` once a refund was created and its answer parked; `release()` drops it."""

    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


class FakeShopify:
    def __init__(self, shop: FakeShop | None = None, token: str = TOKEN) -> None:
        self.shop = shop or FakeShop()
        self.token = token
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, int]] = []
        self.held: HeldRefund | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeShopify:
        self._thread.start()
        return self

    def close(self) -> None:
        if self.held is not None:
            self.held.release()
        self._server.shutdown()
        self._server.server_close()

    def throttle(self, times: int = 1, operation: str | None = None) -> None:
        self.faults += [Fault(200, operation=operation) for _ in range(times)]

    def fail(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        self.faults += [Fault(status, headers or {}) for _ in range(times)]

    def hold_refund_create(self) -> HeldRefund:
        self.held = HeldRefund()
        return self.held

    def operations(self, name: str) -> list[int]:
        return [status for operation, status in self.calls if operation == name]

    # -- one request ------------------------------------------------------------------------

    def answer(self, path: str, token: str | None, body: bytes) -> tuple[int, dict[str, str], Any]:
        if path != f"/admin/api/{API_VERSION}/graphql.json":
            return 404, {}, {"errors": "Not Found"}
        if token != self.token:
            return 401, {}, {"errors": "[API] Invalid API key or access token"}
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables") or {}
            operation = _OPERATION.match(query)
        except (ValueError, KeyError, TypeError):
            return 400, {}, {"errors": "Bad Request"}
        name = operation.group(2) if operation else "anonymous"
        fault = self._take_fault(name)
        if fault is not None:
            return self._fault(fault)
        selection = selection_set(query)
        if "order" in selection:
            reply: dict[str, Any] = {"data": {"order": self.shop.order_node(variables["id"])}}
        elif "refundCreate" in selection:
            reply = self._refund_create(query, variables)
        else:
            reply = _error(f"the fake serves no {', '.join(selection)}", "BAD_REQUEST")
        if "data" in reply:
            try:
                reply = {"data": prune(reply["data"], selection)}
            except UnknownField as unknown:
                reply = _error(str(unknown), "undefinedField")
        return 200, {}, self._with_cost(reply)

    def _refund_create(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        directive = _IDEMPOTENT.search(query)
        key = variables.get(directive.group(1)) if directive else None
        if key is None:
            # Mandatory from 2026-04 on; we always send it, so its absence is a client bug.
            return _error("refundCreate requires the @idempotent directive", "BAD_REQUEST")
        fingerprint = variables_fingerprint(variables["input"])
        with self.shop.lock:
            if key in self.shop.in_flight_keys:
                return _error(
                    "A request with this key is in progress", "IDEMPOTENCY_CONCURRENT_REQUEST"
                )
            stored = self.shop.idempotent.get(key)
            if stored is not None:
                if stored[0] != fingerprint:
                    return _error(
                        "Idempotency key reused with different parameters",
                        "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                    )
                return stored[1]
            self.shop.in_flight_keys.add(key)
        try:
            try:
                payload = self.shop.refund_create(variables["input"])
            except UserErrors as refused:
                payload = {"refund": None, "userErrors": refused.errors}
            body = {"data": {"refundCreate": payload}}
            with self.shop.lock:
                self.shop.idempotent[key] = (fingerprint, body)
            return body
        finally:
            with self.shop.lock:
                self.shop.in_flight_keys.discard(key)

    def _take_fault(self, name: str) -> Fault | None:
        with self.shop.lock:
            for index, fault in enumerate(self.faults):
                if fault.operation in (None, name):
                    return self.faults.pop(index)
        return None

    def _fault(self, fault: Fault) -> tuple[int, dict[str, str], Any]:
        if fault.status == 200:
            body = {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": _cost(requested=150, available=50),
            }
            return 200, {}, body
        return fault.status, fault.headers, {"errors": "Internal Server Error"}

    def _with_cost(self, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "extensions": _cost(requested=12, available=MAXIMUM_AVAILABLE - 12)}


def _cost(requested: float, available: float) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": None if available < requested else requested,
            "throttleStatus": {
                "maximumAvailable": MAXIMUM_AVAILABLE,
                "currentlyAvailable": available,
                "restoreRate": RESTORE_RATE,
            },
        }
    }


def _error(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _handler(fake: FakeShopify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, answer = fake.answer(
                self.path, self.headers.get("X-Shopify-Access-Token"), body
            )
            fake.calls.append((_operation_name(body), status))
            held = fake.held
            if held is not None and "refundCreate" in json.dumps(answer) and _made(answer):
                fake.held = None
                held.reached.set()
                held.released.wait()
                self.close_connection = True
                return  # the refund exists; its answer never reaches the client
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for header, value in headers.items():
                self.send_header(header, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _operation_name(body: bytes) -> str:
    try:
        found = _OPERATION.match(json.loads(body).get("query", ""))
    except (ValueError, AttributeError):
        return "?"
    return found.group(2) if found else "?"


def _made(answer: Any) -> bool:
    payload = ((answer or {}).get("data") or {}).get("refundCreate") or {}
    return payload.get("refund") is not None
