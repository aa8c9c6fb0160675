"""A loopback proxy in front of the Stripe sandbox that holds refund creations for a while, so a
test can stop a worker while `issue_refund` is in flight."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

FORWARDED = ("authorization", "content-type", "idempotency-key", "stripe-version", "user-agent")


class SlowStripe:
    def __init__(self, upstream: str, hold_seconds: float) -> None:
        self.upstream = upstream.rstrip("/")
        self.hold_seconds = hold_seconds
        self.refunds_arrived = threading.Event()
        self.refunds_answered: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                is_refund = self.command == "POST" and self.path.startswith("/v1/refunds")
                if is_refund:
                    proxy.refunds_arrived.set()
                    time.sleep(proxy.hold_seconds)
                headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED}
                answer = httpx.request(
                    self.command, proxy.upstream + self.path, content=body, headers=headers
                )
                self.send_response(answer.status_code)
                self.send_header("content-type", answer.headers.get("content-type", "text/plain"))
                self.send_header("content-length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)
                if is_refund:
                    proxy.refunds_answered.append(answer.status_code)

            do_GET = do_POST = do_DELETE = _forward

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
