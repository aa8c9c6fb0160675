"""Structured logs: one JSON object per line, with the ticket, workflow and run a line is about.

`workflow.logger` and `activity.logger` attach the Temporal context to each record
(`temporal_workflow` / `temporal_activity`); the ticket id is named explicitly
(`extra={"ticket_id": ...}`) or read off the workflow id, which every process derives from it
(`ticket-T-1`, `refund-of-ticket-T-1`, `ticket-T-1-refund`). The current trace and span ids
are added so a log line leads to its trace.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

# `ticket-<id>`, optionally behind a child prefix (`refund-of-`) or before a legacy suffix.
_TICKET_IN_WORKFLOW_ID = re.compile(r"(?:^|-of-)ticket-(?P<ticket>.+?)(?:-refund)?$")
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def ticket_from_workflow_id(workflow_id: str | None) -> str | None:
    if not workflow_id:
        return None
    match = _TICKET_IN_WORKFLOW_ID.search(workflow_id)
    return match.group("ticket") if match else None


class JsonFormatter(logging.Formatter):
    """Fields: time, level, logger, message, ticket_id, workflow_id, run_id, workflow_type or
    activity_type, trace_id/span_id when a span is current, any other `extra`, and the
    exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_temporal_fields(record))
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("temporal_"):
                entry.setdefault(key, value)
        ticket = entry.get("ticket_id") or ticket_from_workflow_id(entry.get("workflow_id"))
        if ticket:
            entry["ticket_id"] = ticket
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _temporal_fields(record: logging.LogRecord) -> dict[str, Any]:
    workflow = getattr(record, "temporal_workflow", None)
    if isinstance(workflow, dict):
        return {
            "workflow_id": workflow.get("workflow_id"),
            "run_id": workflow.get("run_id"),
            "workflow_type": workflow.get("workflow_type"),
        }
    act = getattr(record, "temporal_activity", None)
    if isinstance(act, dict):
        return {
            "workflow_id": act.get("workflow_id"),
            "run_id": act.get("workflow_run_id"),
            "activity_type": act.get("activity_type"),
            "attempt": act.get("attempt"),
        }
    return {}


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record is emitted, not the stream it was when
    the handler was made (a stream swapped out and closed since would turn every later line
    into a logging error).

    It never takes the handler's lock. When a workflow task runs longer than the deadlock
    timeout (a starved CPU is enough), the Temporal SDK interrupts the workflow thread by raising
    an exception in it; landing between a lock's acquire and the `try` that releases it, the
    exception leaves the lock held, and every thread of the worker that logs next waits on it
    forever: a worker frozen with cases in flight (seen while benchmarking on a loaded 2-core
    machine). Each record is one `write` of the whole line, which the stream's own buffer lock
    (C code, not interruptible) keeps whole."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
            stream = sys.stderr
            stream.write(line)
            stream.flush()
        except RecursionError:
            raise
        except Exception:
            self.handleError(record)


def configure_logging(log_format: str = "text", level: str = "INFO") -> None:
    """Root logging for a worker or API process: replaces the handler a previous call installed
    and leaves any other (a host's, a test runner's capture) in place."""
    handler = _StderrHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
