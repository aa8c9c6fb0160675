"""Retry-After parsing: seconds, milliseconds, HTTP dates, junk, and the cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from activities.llm_errors import MAX_RETRY_DELAY
from activities.retry_after import retry_after

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, timedelta(seconds=3)),
        ({"retry-after": "0.5"}, timedelta(milliseconds=500)),
        ({"retry-after-ms": "250", "retry-after": "9"}, timedelta(milliseconds=250)),
        ({"retry-after": "Sun, 01 Nov 2026 12:00:30 GMT"}, timedelta(seconds=30)),
        ({"retry-after": "3600"}, MAX_RETRY_DELAY),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-4"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: timedelta | None) -> None:
    assert retry_after(headers, cap=MAX_RETRY_DELAY, now=NOW, milliseconds=True) == expected
