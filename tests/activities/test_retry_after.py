"""The one Retry-After parser every error mapper uses: whatever a server (or a proxy in
between) sends, the mapper gets a bounded delay or None, never an exception of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities.retry_after import retry_after

CAP = timedelta(minutes=10)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", timedelta(seconds=30)),
        ("1.5", timedelta(seconds=1.5)),
        ("inf", CAP),
        ("1e20", CAP),
        ("99999999999999999999999", CAP),
        ("-inf", None),
        ("-5", None),
        ("0", None),
        ("nan", None),
        ("soon", None),
        ("Fri, 04 Dec 2026 12:01:00 GMT", timedelta(minutes=1)),
        ("Fri, 04 Dec 2026 11:59:00 GMT", None),
    ],
)
def test_header_values(value: str, expected: timedelta | None) -> None:
    assert retry_after({"Retry-After": value}, cap=CAP, now=NOW) == expected


def test_milliseconds_win_when_asked_for_and_stay_bounded() -> None:
    headers = {"retry-after-ms": "1500", "retry-after": "30"}
    assert retry_after(headers, cap=CAP, milliseconds=True) == timedelta(seconds=1.5)
    assert retry_after({"retry-after-ms": "inf"}, cap=CAP, milliseconds=True) == CAP
    assert retry_after(headers, cap=CAP) == timedelta(seconds=30)


def test_seconds_only_systems_ignore_dates() -> None:
    date = {"Retry-After": "Fri, 04 Dec 2026 12:01:00 GMT"}
    assert retry_after(date, cap=CAP, now=NOW, http_date=False) is None


@given(st.text(max_size=40), st.booleans())
def test_any_header_text_gives_a_bounded_delay_or_none(value: str, in_ms: bool) -> None:
    headers = {"Retry-After": value, "retry-after-ms": value}
    delay = retry_after(headers, cap=CAP, now=NOW, milliseconds=in_ms)
    assert delay is None or timedelta(0) < delay <= CAP


@given(st.floats(allow_nan=True, allow_infinity=True).map(repr))
def test_any_number_gives_a_bounded_delay_or_none(value: str) -> None:
    delay = retry_after({"Retry-After": value}, cap=CAP, now=NOW)
    assert delay is None or timedelta(0) < delay <= CAP
