"""Child processes of the dev stack: started with a log file, stopped politely, then firmly.

Each child gets its own session so a Ctrl-C in the terminal reaches only the launcher, which then
stops the children in order (API, worker, sandbox, Temporal) instead of all of them at once; on
Linux each child is also told to exit if the launcher dies, so a killed launcher leaves no
process holding a port.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

STOP_TIMEOUT_SECONDS = 15.0


def _exit_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class ChildProcess:
    """One long-running child (Temporal, worker, API) writing to its own log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_file = log_file
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"\n--- starting: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_exit_with_parent,
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exit_code(self) -> int | None:
        """None while running (or never started)."""
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM (the children all shut down cleanly on it), SIGKILL after `timeout`."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_file.exists():
            return ""
        text = self.log_file.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def child_env(overrides: Mapping[str, str], drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    """The launcher's environment minus variables that would point a child elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(drop_prefixes))}
    env.update(overrides)
    return env


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def venv_command(name: str) -> Path | None:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return beside_python
    found = shutil.which(name)
    return Path(found) if found else None


def supportflow_command(*args: str) -> list[str]:
    script = venv_command("supportflow")
    if script is not None:
        return [str(script), *args]
    return [sys.executable, "-m", "worker.cli", *args]


def exit_text(code: int | None) -> str:
    # uvicorn re-raises the SIGTERM it handled, so a clean API stop reports the signal.
    if code is not None and code < 0:
        return f"on {signal.Signals(-code).name}"
    return f"exit {code}"
