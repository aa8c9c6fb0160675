"""Serves the real API over loopback HTTP from inside the caller's event loop.

uvicorn runs as a task of the running loop, not on a thread, because the Temporal client injected
into `create_app` belongs to this loop. The socket is bound here (port 0) so the port is known
before serving and two runs never race for one. Shared by tests/e2e, tests/slack_e2e and
bench/approval_latency.py, so the benchmark measures the same wiring the tests check.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

STARTUP_DEADLINE_SECONDS = 30.0
SHUTDOWN_DEADLINE_SECONDS = 15.0


@asynccontextmanager
async def serve_api(app: FastAPI) -> AsyncIterator[str]:
    """Serves `app` (lifespan included, which is where Slack is mounted); yields the base URL."""
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(STARTUP_DEADLINE_SECONDS):
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped the startup
                    raise RuntimeError("uvicorn stopped before it started serving")
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, SHUTDOWN_DEADLINE_SECONDS)
        sock.close()
