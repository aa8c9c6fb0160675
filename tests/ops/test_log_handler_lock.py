"""The worker's log handler keeps logging while its lock is held by a thread that will never
release it: what the Temporal SDK's deadlock interruption can leave behind (an exception raised
in a workflow thread between a lock's acquire and its release). With StreamHandler's locking,
the second thread below waits forever and the test fails."""

from __future__ import annotations

import logging
import threading

import pytest

from worker.logging_json import _StderrHandler, configure_logging


def test_logging_goes_on_while_the_handler_lock_is_held(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    held, release = threading.Event(), threading.Event()
    try:
        configure_logging("text", "INFO")
        [handler] = [h for h in root.handlers if isinstance(h, _StderrHandler)]

        def hold_the_lock() -> None:  # a thread interrupted while it held the lock
            handler.acquire()
            held.set()
            release.wait(30)
            handler.release()

        holder = threading.Thread(target=hold_the_lock, daemon=True)
        holder.start()
        assert held.wait(5)
        logged = threading.Event()

        def log() -> None:
            logging.getLogger("supportflow.test").warning("still logging")
            logged.set()

        threading.Thread(target=log, daemon=True).start()
        assert logged.wait(10), "a held handler lock stopped logging"
        assert "still logging" in capsys.readouterr().err
    finally:
        release.set()
        root.handlers, root.level = handlers, level
