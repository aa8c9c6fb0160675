"""The offline Stripe sandbox: localstripe, run as its own process, on loopback only.

localstripe is GPL, so supportflow never vendors it; we only start it as a separate process
through this entry point (`python -m worker.local_stack.stripe_sandbox --port N`). The entry
exists because localstripe's own CLI listens on every interface and pickles its state to the
fixed path `/tmp/localstripe.pickle`, which every instance on the machine would share. Here the app is
served on 127.0.0.1 only, and its state goes to `--state-file` (the dev stack keeps it under
`.data/`) or nowhere at all (tests: one fresh, memory-only sandbox per session).

localstripe ignores `Idempotency-Key`, so the process puts
`worker.local_stack.stripe_idempotency` in front of it: the announced base URL answers with Stripe's idempotency semantics (replay, 409 in flight,
400 on other parameters), and localstripe itself listens on a second loopback port, announced
as `raw_base_url`, for tests that need a server which ignores keys.

`StripeSandbox` starts, waits for and stops that process for tests and the dev-stack launcher.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from worker.local_stack.stripe_extras.process import StripeExtras
from worker.settings import STRIPE_API_BASE_DEFAULT_KEY

# Any key starting with sk_ is accepted by the sandbox. This is the one the worker sends when
# only STRIPE_API_BASE is set, so the stack's children need no STRIPE_API_KEY.
SANDBOX_API_KEY = STRIPE_API_BASE_DEFAULT_KEY
READY_PREFIX = "stripe sandbox listening on "
RAW_PREFIX = "localstripe (ignores Idempotency-Key) listening on "
_PROJECT_ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger("supportflow.stripe_sandbox")


class StripeSandbox:
    """A localstripe process on 127.0.0.1, usable as a context manager.

    `port=0` lets the process pick a free port and announce it, so parallel test sessions never
    race for one. Without `state_file` the sandbox keeps everything in memory and starts empty.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        state_file: Path | None = None,
        from_scratch: bool = False,
        log_file: Path | None = None,
        extras: bool = True,
    ) -> None:
        self._requested_port = port
        self.port = port
        self.raw_port = 0
        self.state_file = state_file
        self.from_scratch = from_scratch
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir: tempfile.TemporaryDirectory[str] | None = None
        self._with_extras = extras
        self.extras: StripeExtras | None = None

    @property
    def base_url(self) -> str:
        """The one Stripe api_base: the extras server (disputes, credit notes, balance
        transactions, webhooks; everything else forwarded to localstripe) when it runs."""
        if self.extras is not None and self.extras.base_url:
            return self.extras.base_url
        if not self.port:
            raise RuntimeError("the sandbox has not announced its port yet; call start()")
        return f"http://127.0.0.1:{self.port}"

    @property
    def raw_base_url(self) -> str:
        """localstripe without the idempotency layer: a Stripe that ignores Idempotency-Key."""
        if not self.raw_port:
            raise RuntimeError("the sandbox has not announced its port yet; call start()")
        return f"http://127.0.0.1:{self.raw_port}"

    def start(self, timeout: float = 30.0) -> str:
        """Launch the process and block until it answers API calls; returns the base URL."""
        if self._process is not None:
            raise RuntimeError("the sandbox is already running")
        if self.log_file is None:
            self._log_dir = tempfile.TemporaryDirectory(prefix="stripe-sandbox-")
            self.log_file = Path(self._log_dir.name) / "sandbox.log"
        self.port = self._requested_port
        self.raw_port = 0
        command = [
            sys.executable,
            "-m",
            "worker.local_stack.stripe_sandbox",
            "--port",
            str(self.port),
        ]
        command += ["--parent-pid", str(os.getpid())]
        if self.state_file is not None:
            command += ["--state-file", str(self.state_file)]
        if self.from_scratch:
            command.append("--from-scratch")
        with self.log_file.open("wb") as log_handle:
            self._process = subprocess.Popen(
                command, cwd=_PROJECT_ROOT, stdout=log_handle, stderr=subprocess.STDOUT
            )
        try:
            self.wait_ready(timeout)
            if self._with_extras:
                self._start_extras(timeout)
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _start_extras(self, timeout: float) -> None:
        assert self.log_file is not None
        state = None
        if self.state_file is not None:
            state = self.state_file.with_name(self.state_file.stem + "-extras.json")
            if self.from_scratch:
                state.unlink(missing_ok=True)
        self.extras = StripeExtras(
            self.raw_base_url,
            self.log_file.with_name(self.log_file.stem + "-extras.log"),
            state_file=state,
        )
        self.extras.start(timeout)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait for the announced port, then for a real authenticated API answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._raise_if_exited()
            # Only trust the port the process announced, so a stranger already listening on a
            # fixed port is never mistaken for our sandbox.
            announced = self._announced_port(READY_PREFIX)
            if announced is not None:
                self.port = announced
                self.raw_port = self._announced_port(RAW_PREFIX) or 0
                if self._answers():
                    return
            time.sleep(0.05)
        raise TimeoutError(f"Stripe sandbox not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM lets aiohttp shut down cleanly; SIGKILL only if it does not within timeout."""
        if self.extras is not None:
            self.extras.stop(timeout)
            self.extras = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_dir is not None:
            self._log_dir.cleanup()
            self._log_dir, self.log_file = None, None

    def log_tail(self, lines: int = 30) -> str:
        if self.log_file is None or not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> StripeSandbox:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _raise_if_exited(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(
                f"Stripe sandbox exited with code {self._process.returncode}:\n{self.log_tail()}"
            )

    def _announced_port(self, prefix: str) -> int | None:
        if self.log_file is None or not self.log_file.exists():
            return None
        for line in self.log_file.read_text(errors="replace").splitlines():
            if line.startswith(prefix):
                return int(line.rsplit(":", 1)[1])
        return None

    def _answers(self) -> bool:
        request = urllib.request.Request(
            f"{self.base_url}/v1/balance",
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False


def _redirect_state(state_file: Path | None) -> None:
    """Point localstripe's persistence at `state_file`, or turn it off when None.

    localstripe's store is a dict subclass that pickles itself after every write to a fixed
    path. We swap its class for a subclass with our own load/dump: atomic writes (a killed
    sandbox never leaves a torn file) and a plain-dict pickle, so the file does not depend on
    this module's import path.
    """
    from localstripe.resources import Store, store

    class StateFileStore(Store):
        path: ClassVar[Path | None] = state_file

        def try_load_from_disk(self) -> None:
            if self.path is None or not self.path.exists():
                return
            try:
                with self.path.open("rb") as handle:
                    saved = pickle.load(handle)
            except Exception as error:
                raise SystemExit(
                    f"cannot read Stripe sandbox state {self.path} ({error!r}); "
                    "delete it or start with --from-scratch"
                ) from error
            self.clear()
            self.update(saved)

        def dump_to_disk(self) -> None:
            if self.path is None:
                return
            partial = self.path.with_name(self.path.name + ".partial")
            with partial.open("wb") as handle:
                pickle.dump(dict(self), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, self.path)

    store.__class__ = StateFileStore


def exit_when_orphaned(parent_pid: int) -> None:
    """Stop (via SIGTERM, so aiohttp shuts down cleanly) once the launching process is gone,
    so a crashed test session or launcher never leaves a sandbox holding a port."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m worker.local_stack.stripe_sandbox",
        description="Run the localstripe Stripe sandbox on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8420, help="0 picks a free port")
    parser.add_argument("--state-file", type=Path, help="persist state here (default: memory)")
    parser.add_argument("--from-scratch", action="store_true", help="ignore saved state")
    parser.add_argument("--parent-pid", type=int, help="exit when this process goes away")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from localstripe.resources import store
    from localstripe.server import app as localstripe_app

    # Imported here, like aiohttp and localstripe: tests and the launcher import this module for
    # `StripeSandbox` and must not load the server side, which only the sandbox process runs.
    from worker.local_stack.stripe_idempotency import serve_behind_idempotency

    if args.state_file is not None:
        args.state_file.parent.mkdir(parents=True, exist_ok=True)
    _redirect_state(args.state_file)
    log.info("state: %s", args.state_file or "memory only")
    if not args.from_scratch:
        store.try_load_from_disk()
    if args.parent_pid is not None:
        exit_when_orphaned(args.parent_pid)

    def announce(inner: str, outer: str) -> None:
        print(f"{RAW_PREFIX}{inner}", flush=True)
        print(f"{READY_PREFIX}{outer}", flush=True)

    serve_behind_idempotency(localstripe_app, args.port, announce)


if __name__ == "__main__":
    main()
