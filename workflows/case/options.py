"""Activity option presets shared by every process.

Every preset has a schedule-to-close bound: besides capping retries, an unbounded activity lets
the time-skipping test server jump years ahead once a workflow is idle, and leaves a case
retrying forever against a system that will never answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.llm_errors import NON_RETRYABLE_TYPES as LLM_NON_RETRYABLE
    from activities.slack_errors import NON_RETRYABLE_TYPES as SLACK_NON_RETRYABLE

# Reads from systems of record: idempotent and quick. Run as local activities they stay out of
# the event history; a case whose facts cannot be read within minutes goes to a person.
READ_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=15),
    schedule_to_close_timeout=timedelta(minutes=10),
    retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=20),
)
# CRM records and customer messages: retried until they land (two days covers any outage we
# expect a person to fix), because a case must not end without its record.
RECORD_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=15),
    schedule_to_close_timeout=timedelta(days=2),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=2)),
)
# Moving money. An attempt makes up to four calls to the payment system of at most 5 s each
# (the client's HTTP timeout), so it needs more than 20 s to finish what it started; the
# idempotency key and the pre-check make a retry find the first result.
MONEY_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=30),
    schedule_to_close_timeout=timedelta(days=2),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
)
# A re-check an approver waits on: short, and on failure the money step's own check of the
# system of record is the one that counts.
RECHECK_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=10),
    schedule_to_close_timeout=timedelta(seconds=20),
    retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=2), maximum_attempts=3),
)
# Chat is best effort: approvers can always decide through the API or CLI, so a Slack outage
# gives up after minutes instead of holding the case.
CHAT_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=15),
    schedule_to_close_timeout=timedelta(minutes=10),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
)
# LLM calls: a few attempts honouring Retry-After, then the case goes to a person rather than
# waiting on a provider outage.
LLM_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=60),
    schedule_to_close_timeout=timedelta(minutes=10),
    retry_policy=RetryPolicy(
        initial_interval=timedelta(seconds=2),
        maximum_interval=timedelta(minutes=1),
        maximum_attempts=5,
        non_retryable_error_types=sorted(LLM_NON_RETRYABLE),
    ),
)
# Handing a case to a person: worth hours of retries, but a misconfigured channel fails at once.
HANDOFF_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=30),
    schedule_to_close_timeout=timedelta(hours=6),
    retry_policy=RetryPolicy(
        maximum_interval=timedelta(minutes=2), non_retryable_error_types=list(SLACK_NON_RETRYABLE)
    ),
)
