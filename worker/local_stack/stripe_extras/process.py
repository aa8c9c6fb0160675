"""`StripeExtras`: starts, waits for and stops the extras server process (tests, dev stack).

Deliberately free of aiohttp imports: the launcher and test fixtures import this module, and
only the server process loads the server side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from worker.local_stack.stripe_extras import READY_PREFIX

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


class StripeExtras:
    """One extras server in front of the localstripe at `localstripe_url`."""

    def __init__(self, localstripe_url: str, log_file: Path, *, state_file: Path | None = None):
        self.localstripe_url = localstripe_url
        self.log_file = log_file
        self.state_file = state_file
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> str:
        command = [
            sys.executable,
            "-m",
            "worker.local_stack.stripe_extras",
            "--localstripe",
            self.localstripe_url,
            "--parent-pid",
            str(os.getpid()),
        ]
        if self.state_file is not None:
            command += ["--state-file", str(self.state_file)]
        # The log is appended to across runs: only what this start wrote counts.
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=_PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Stripe extras exited with code {self._process.returncode}:\n{self._tail()}"
                )
            with self.log_file.open("rb") as log:
                log.seek(offset)
                written = log.read().decode(errors="replace")
            for line in written.splitlines():
                if line.startswith(READY_PREFIX):
                    self.base_url = line.removeprefix(READY_PREFIX).strip()
                    return self.base_url
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"Stripe extras not ready after {timeout}s:\n{self._tail()}")

    def stop(self, timeout: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _tail(self) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-30:])
