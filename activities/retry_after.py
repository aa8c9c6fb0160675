"""How long an external system asked us to wait before the next attempt.

Each error mapper turns this into `next_retry_delay`, so Temporal waits as long as the system
asked instead of its own backoff. Each passes its own cap: one misbehaving header must not park
a case for hours, and the retry policy's attempt limit still bounds the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime


def retry_after(
    headers: Mapping[str, str] | None,
    *,
    cap: timedelta,
    now: datetime | None = None,
    milliseconds: bool = False,
    http_date: bool = True,
) -> timedelta | None:
    """The delay in `Retry-After` (delay-seconds, or with `http_date` an HTTP date relative to
    `now`, default the current time), preferring `retry-after-ms` when `milliseconds` is set
    (OpenAI sends it); capped at `cap`, and None when absent, not positive or unusable."""
    if milliseconds and (ms := _header(headers, "retry-after-ms")) is not None:
        delay = _number(ms, cap, scale=0.001)
        if delay:  # an unusable or zero value falls back to Retry-After
            return delay
    if (value := _header(headers, "retry-after")) is None:
        return None
    delay = _number(value, cap)
    if delay is None:  # not a number: an HTTP date, where the system sends those
        delay = _until(value, now) if http_date else None
    if not delay or delay <= timedelta(0):
        return None
    return min(delay, cap)


def _number(value: str, cap: timedelta, scale: float = 1.0) -> timedelta | None:
    """None when `value` is not a number; otherwise the delay it says (in `scale`d seconds):
    zero for NaN or no wait, the cap for a huge or infinite one that `timedelta` cannot hold."""
    try:
        seconds = float(value) * scale
    except ValueError:
        return None
    if seconds != seconds or seconds <= 0:
        return timedelta(0)
    return cap if seconds >= cap.total_seconds() else timedelta(seconds=seconds)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    # Case-insensitive whatever the mapping: SDKs hand over plain dicts as often as HTTP headers.
    return next((v for k, v in (headers or {}).items() if k.lower() == name), None)


def _until(value: str, now: datetime | None) -> timedelta | None:
    try:
        return parsedate_to_datetime(value) - (now or datetime.now(UTC))
    except (TypeError, ValueError):
        return None
