"""Entities the rules triage engine reads from ticket text: order ids, emails, amounts."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

from integrations.triage_patterns import Pattern
from policies.triage_schema import TriageEntities

ORDER_PATTERNS = [
    Pattern(r"\bord[_-]?(\d{3,10})\b"),
    Pattern(r"#\s?(\d{3,10})\b", ignore_case=False),
    Pattern(r"\border\s*(?:number|no\.?|num|id)?\s*[:#]?\s*(\d{4,10})\b"),
]
# \pL\pN instead of \w: RE2's \w is ASCII-only and addresses may not be.
EMAIL_PATTERN = Pattern(r"\b[\pL\pN_.+-]+@[\pL\pN_-]+(?:\.[\pL\pN_-]+)+\b", ignore_case=False)
AMOUNT_PATTERN = Pattern(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
    r"|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:usd|eur|gbp|dollars|euros|pounds|bucks)\b)"
)

# Emails and amounts are informational (an agent reads them); the first ones are enough, and a
# body of thousands of "$1" should not put thousands of entries into history.
MAX_INFORMATIONAL_MATCHES = 50


def _first(pattern: Pattern, text: str) -> Iterator[Any]:
    return itertools.islice(pattern.regex.finditer(text), MAX_INFORMATIONAL_MATCHES)


def extract_entities(text: str) -> TriageEntities:
    orders: list[str] = []
    for pattern in ORDER_PATTERNS:
        orders += [f"ord_{m.group(1)}" for m in pattern.regex.finditer(text)]
    return TriageEntities(
        order_ids=list(dict.fromkeys(orders)),
        emails=list(dict.fromkeys(m.group(0) for m in _first(EMAIL_PATTERN, text))),
        amounts_mentioned=list(
            dict.fromkeys(m.group(0).strip() for m in _first(AMOUNT_PATTERN, text))
        ),
    )
