"""`python -m worker.local_stack.stripe_extras --localstripe URL`: the extras server on loopback,
behind Stripe's idempotency layer, announcing its URL on stdout."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from worker.local_stack.stripe_extras import READY_PREFIX
from worker.local_stack.stripe_extras.app import extras_app
from worker.local_stack.stripe_extras.objects import ExtrasState
from worker.local_stack.stripe_idempotency import serve_behind_idempotency
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
    serve_behind_idempotency(
        extras_app(state, args.localstripe),
        args.port,
        lambda _inner, outer: print(f"{READY_PREFIX}{outer}", flush=True),
    )


if __name__ == "__main__":
    main()
