"""`python -m worker.local_stack.stripe_extras --localstripe URL`: the extras server on loopback,
behind Stripe's idempotency layer, announcing its URL on stdout."""

from __future__ import annotations

import argparse
import logging
import socket
from pathlib import Path
from typing import Any

from aiohttp import web

from worker.local_stack.stripe_extras import READY_PREFIX
from worker.local_stack.stripe_extras.app import extras_app
from worker.local_stack.stripe_extras.objects import ExtrasState
from worker.local_stack.stripe_idempotency import IdempotencyProxy
from worker.local_stack.stripe_sandbox import exit_when_orphaned


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m worker.local_stack.stripe_extras",
        description="Disputes, balance transactions, credit notes and webhooks for localstripe.",
    )
    parser.add_argument("--localstripe", required=True, help="localstripe's (raw) base URL")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--state-file", type=Path, help="persist state here (default: memory)")
    parser.add_argument("--parent-pid", type=int, help="exit when this process goes away")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.state_file is not None:
        args.state_file.parent.mkdir(parents=True, exist_ok=True)
    state = ExtrasState.load(args.state_file)
    if args.parent_pid is not None:
        exit_when_orphaned(args.parent_pid)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    proxy = IdempotencyProxy("http://127.0.0.1:0")

    async def serve_extras(_app: web.Application) -> Any:
        """The routes on a second loopback port, behind the idempotency layer, for as long as
        the layer runs (started first, stopped last)."""
        runner = web.AppRunner(extras_app(state, args.localstripe), access_log=None)
        await runner.setup()
        inner = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        inner.bind(("127.0.0.1", 0))
        await web.SockSite(runner, inner).start()
        proxy.upstream = f"http://127.0.0.1:{inner.getsockname()[1]}"
        print(f"{READY_PREFIX}http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
        yield
        await runner.cleanup()

    front = proxy.app()
    front.cleanup_ctx.insert(0, serve_extras)
    web.run_app(front, sock=sock, access_log=None, print=None)


if __name__ == "__main__":
    main()
