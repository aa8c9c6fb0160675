"""Real worker processes (`python -m worker.worker_app`) that a crash test can kill with SIGKILL.

An in-process worker cannot be crashed for real: cancelling it runs `finally` blocks, flushes
activity results and tells the server it is shutting down. A separate OS process killed with
SIGKILL gets none of that, which is exactly the failure the money path must survive.

Every process a test starts is killed at teardown, whatever happened; `setpriv --pdeathsig`
(util-linux, where present) also makes the kernel kill it if the test process itself dies, so a
killed pytest run leaves no worker polling a dead dev server. Each process writes stdout and
stderr to its own log file, which the crash conftest attaches to the report of a failed test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

# Settings the worker reads from the environment; the parent's values must never leak into the
# worker under test (a developer's STRIPE_API_KEY or SLACK_BOT_TOKEN, a TEMPORAL_PROFILE).
_SCRUBBED_PREFIXES = ("TEMPORAL_", "SUPPORTFLOW_", "STRIPE_", "SLACK_", "OPENAI_", "WEAVIATE_")
_SCRUBBED_NAMES = {"DATABASE_URL"}
POLL_INTERVAL_SECONDS = 0.2


class WorkerGone(AssertionError):
    """A worker the test did not kill has exited; its log says why."""


def worker_environment(settings_env: dict[str, str], scratch_dir: Path) -> dict[str, str]:
    """The parent's environment without any supportflow/Temporal settings, plus `settings_env`.

    TEMPORAL_CONFIG_FILE points at a file that does not exist, so a developer's Temporal CLI
    profile cannot redirect the worker to another server or namespace.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_SCRUBBED_PREFIXES) and name not in _SCRUBBED_NAMES
    }
    env["TEMPORAL_CONFIG_FILE"] = str(scratch_dir / "no-temporal-profile.toml")
    env["PYTHONUNBUFFERED"] = "1"
    # The same payload keys as the test's client (tests/conftest.py), or nothing decodes.
    env["SUPPORTFLOW_CODEC_KEYS"] = os.environ["SUPPORTFLOW_CODEC_KEYS"]
    env.update(settings_env)
    return env


class WorkerProcesses:
    """Starts, kills and reaps the worker processes of one test."""

    def __init__(self, env: dict[str, str], workdir: Path, client: Client, task_queue: str):
        # The working directory holds no .env, so pydantic-settings reads the environment only.
        self._env = env
        self._workdir = workdir
        self._client = client
        self._task_queue = task_queue
        self._processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self) -> subprocess.Popen[bytes]:
        number = len(self._processes) + 1
        log_path = self._workdir / f"worker-{number}.log"
        command = [sys.executable, "-m", "worker.worker_app"]
        setpriv = shutil.which("setpriv")
        if setpriv is not None and sys.platform.startswith("linux"):
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        with log_path.open("wb") as log:
            # Started from the event loop's (main) thread: the death signal follows the thread
            # that forked, and the main thread lives as long as the test process.
            process = subprocess.Popen(
                command, cwd=self._workdir, env=self._env, stdout=log, stderr=subprocess.STDOUT
            )
        self._processes.append((process, log_path))
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9, then reap; asserts the process really died of SIGKILL (not a clean exit)."""
        process.send_signal(signal.SIGKILL)
        returncode = process.wait(timeout=30)
        assert returncode == -signal.SIGKILL, (
            f"worker {process.pid} exited with {returncode} before it could be killed"
        )

    def kill_all(self) -> None:
        """SIGKILL every process still running, then reap them all (no zombies, no orphans)."""
        for process, _ in self._processes:
            if process.poll() is None:
                process.kill()
        for process, _ in self._processes:
            process.wait(timeout=30)

    def check_alive(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is not None:
            raise WorkerGone(f"worker {process.pid} exited with {process.returncode}")

    async def wait_polling(self, process: subprocess.Popen[bytes], deadline: float = 90.0) -> None:
        """Until the server lists this process (identity `pid@host`) as a workflow poller: a
        worker that cannot start fails here, with its log, instead of as a vague timeout."""
        request = DescribeTaskQueueRequest(
            namespace=self._client.namespace,
            task_queue=TaskQueue(name=self._task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        prefix = f"{process.pid}@"

        async def polling() -> bool:
            self.check_alive(process)
            response = await self._client.workflow_service.describe_task_queue(request)
            return any(poller.identity.startswith(prefix) for poller in response.pollers)

        await poll_until(polling, deadline, f"worker {process.pid} to poll {self._task_queue}")

    def logs(self) -> str:
        parts = []
        for process, log_path in self._processes:
            text = log_path.read_text(errors="replace") if log_path.exists() else "(no log)"
            parts.append(f"=== worker pid {process.pid} (exit {process.poll()}) ===\n{text}")
        return "\n".join(parts)


async def poll_until(
    check: Callable[[], Awaitable[bool]], deadline_seconds: float, what: str
) -> None:
    """Polls `check` until it is true; generous deadlines, because 2 shared cores make any
    timing a guess, and nothing here asserts how long a step took."""
    give_up = time.monotonic() + deadline_seconds
    while not await check():
        if time.monotonic() > give_up:
            raise AssertionError(f"gave up after {deadline_seconds:.0f}s waiting for {what}")
        await asyncio.sleep(POLL_INTERVAL_SECONDS)
