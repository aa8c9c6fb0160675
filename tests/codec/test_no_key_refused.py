"""No payload key, no process: the worker, the API and the CLI's Temporal commands refuse to start
with a message saying how to set one, never falling back to plain text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HISTORY = Path(__file__).parents[1] / "histories" / "refund_approved.json"


@pytest.mark.parametrize(
    "args",
    [["worker"], ["api"], ["replay", "--history-file", str(HISTORY)]],
    ids=["worker", "api", "replay"],
)
def test_a_process_without_a_payload_key_refuses_to_start(args: list[str], tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTFLOW_")}
    env |= {
        "SUPPORTFLOW_CODEC_KEYS_FILE": str(tmp_path / "absent.keys"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}",
        "TEMPORAL_ADDRESS": "127.0.0.1:1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "no payload encryption key: set SUPPORTFLOW_CODEC_KEYS=" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_replayer_reads_an_unencrypted_history_with_the_key_set() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "worker.cli", "replay", "--history-file", str(HISTORY)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "deterministic" in done.stdout
