"""The sandbox process itself: loopback only, its own state file, clean restarts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import stripe

from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import sandbox_charge
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY, StripeSandbox


@pytest.mark.parametrize("which", ["idempotency proxy", "localstripe behind it"])
def test_listens_on_127_0_0_1_only(
    which: str, stripe_sandbox: str, stripe_sandbox_ignoring_keys: str
) -> None:
    url = stripe_sandbox if which == "idempotency proxy" else stripe_sandbox_ignoring_keys
    port = int(url.rsplit(":", 1)[1])
    socket.create_connection(("127.0.0.1", port), timeout=2).close()

    # Another loopback address reaches the same host; a socket bound to all interfaces would
    # accept there too.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=2)


def test_runtime_code_does_not_import_the_local_stack() -> None:
    # The worker, the API and the CLI (whose `run` imports the local stack only when called).
    probe = (
        "import sys, worker.worker_app, worker.api, worker.cli; "
        "sys.exit(sorted(m for m in sys.modules "
        "if m.startswith(('worker.local_stack', 'localstripe'))) or None)"
    )
    subprocess.run([sys.executable, "-c", probe], timeout=60, check=True)


def test_state_survives_a_restart_and_from_scratch_clears_it(tmp_path: Path) -> None:
    state_file = tmp_path / "stripe" / "sandbox.pickle"

    with StripeSandbox(state_file=state_file) as sandbox:
        charge_id = sandbox_charge(StripeBilling(SANDBOX_API_KEY, sandbox.base_url), 2_500)
    assert state_file.exists()
    assert not list(state_file.parent.glob("*.partial"))

    with StripeSandbox(state_file=state_file) as sandbox:
        charge = StripeBilling(SANDBOX_API_KEY, sandbox.base_url).get_charge(charge_id)
        assert charge.amount_cents == 2_500

    with (
        StripeSandbox(state_file=state_file, from_scratch=True) as sandbox,
        pytest.raises(stripe.InvalidRequestError),
    ):
        StripeBilling(SANDBOX_API_KEY, sandbox.base_url).get_charge(charge_id)


def test_unreadable_state_fails_with_a_clear_message(tmp_path: Path) -> None:
    state_file = tmp_path / "sandbox.pickle"
    state_file.write_bytes(b"not a pickle")
    sandbox = StripeSandbox(state_file=state_file)

    with pytest.raises(RuntimeError, match="--from-scratch"):
        sandbox.start(timeout=20)


def test_stop_ends_the_process(tmp_path: Path) -> None:
    sandbox = StripeSandbox(log_file=tmp_path / "sandbox.log")
    url = sandbox.start()
    port = int(url.rsplit(":", 1)[1])

    sandbox.stop()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_sandbox_exits_when_its_launcher_dies() -> None:
    # The launcher starts a sandbox, prints its URL, then dies without stopping it.
    launcher = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from worker.local_stack.stripe_sandbox import StripeSandbox; "
            "print(StripeSandbox().start(), flush=True); os._exit(0)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    port = int(launcher.stdout.strip().rsplit(":", 1)[1])

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.2)
    pytest.fail(f"orphaned sandbox still listening on port {port}")
