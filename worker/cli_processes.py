"""`supportflow run`, `worker` and `api`: start the processes a support team runs."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import sys
from typing import Annotated, NoReturn
from urllib.parse import urlsplit

import typer

from worker.cli_exits import EXIT_UNAVAILABLE, EXIT_USAGE, fail, load_settings, open_store
from worker.logging_json import configure_logging
from worker.oidc import OidcConfigError
from worker.settings import Settings
from worker.telemetry import configure_tracing
from worker.temporal_gate import temporal_target


def run(
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Forget the demo state under .data/ first (Temporal, sandbox, CRM)"
        ),
    ] = False,
) -> None:
    """Start Temporal + UI, Stripe sandbox, worker and API; file the demo tickets (`make run`).

    Everything binds to loopback and persists under .data/; stays up until Ctrl-C, then stops
    every process it started.
    """
    # Imported here: the local stack is dev tooling, and no other command may depend on it.
    try:
        from worker.local_stack.launcher import run_devstack
    except ImportError as err:
        fail(f"the local stack cannot load ({err}); install it with pip install -e '.[local]'", 3)

    raise typer.Exit(run_devstack(load_settings(), fresh=fresh))


def worker(
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes sharing the task queue")
    ] = 1,
) -> None:
    """Run a worker: polls the task queue and executes workflows and activities.

    SIGINT/SIGTERM stop polling and let in-flight activities finish (up to
    SUPPORTFLOW_GRACEFUL_SHUTDOWN_SECONDS) before the process exits.
    """
    settings = load_settings()
    require_payload_keys(settings)
    if processes > 1:
        from worker.worker_pool import run_pool

        _leave(run_pool(processes))
    configure_logging(settings.log_format, settings.log_level)
    try:
        asyncio.run(_serve_worker(settings))
    except RuntimeError as err:
        if "client connect" not in str(err):
            raise
        typer.secho(
            f"error: cannot reach Temporal at {temporal_target()}: {err}",
            fg=typer.colors.RED,
            err=True,
        )
        _leave(EXIT_UNAVAILABLE)
    _leave(0)


def _leave(code: int) -> NoReturn:
    """Ends the worker process without interpreter finalization. Once the SDK's native runtime
    has started (even for a connection that failed), its threads can still call into Python
    while the interpreter finalizes and abort it (PyGILState_Release, exit -6)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


async def _serve_worker(settings: Settings) -> None:
    """SIGINT and SIGTERM cancel the run, which makes the SDK shut the worker down gracefully
    (in-flight tasks finish or fail over) instead of dying mid-task."""
    from worker.worker_app import run_worker

    task = asyncio.ensure_future(run_worker(settings))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        typer.echo("worker stopped", err=True)


def _api_bind(settings: Settings) -> tuple[str, int]:
    url = urlsplit(settings.api_url)
    return url.hostname or "127.0.0.1", url.port or 8000


def api(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default: host of SUPPORTFLOW_API_URL)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: port of SUPPORTFLOW_API_URL)")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs).

    Refuses a non-loopback address until callers can authenticate: at least one active API key
    (`supportflow keys create`) or an OIDC issuer (SUPPORTFLOW_OIDC_ISSUER).
    """
    import uvicorn

    from worker.api import create_app

    settings = load_settings()
    require_payload_keys(settings)
    default_host, default_port = _api_bind(settings)
    bind = host or default_host
    if not (_is_loopback(bind) or settings.oidc_issuer or _has_keys(settings)):
        fail(
            f"refusing to serve the API on {bind}: no active API key and no OIDC issuer, so no "
            "caller could authenticate. Create keys with `supportflow keys create`, set "
            "SUPPORTFLOW_OIDC_ISSUER, or bind 127.0.0.1.",
            EXIT_USAGE,
        )
    configure_logging(settings.log_format, settings.log_level)
    configure_tracing("supportflow-api")
    try:
        application = create_app(settings)
    except OidcConfigError as err:
        fail(str(err), EXIT_USAGE)
    # JSON logs: uvicorn's own loggers go through the root handler instead of its text config.
    log_config = None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
    uvicorn.run(application, host=bind, port=port or default_port, log_config=log_config)


def require_payload_keys(settings: Settings) -> None:
    """Customer data never reaches Temporal unencrypted: no key, no worker or API."""
    from worker.data_converter import CodecNotConfigured, key_ring

    try:
        key_ring(settings)
    except CodecNotConfigured as err:
        fail(str(err), EXIT_USAGE)


def _has_keys(settings: Settings) -> bool:
    return bool(open_store(settings).has_active_api_keys())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything, so it is not loopback
        return False
