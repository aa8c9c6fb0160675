"""Removes payment card numbers from customer text before anything stores or forwards it.

Customers type card numbers into tickets ("it was charged to 4242 4242 4242 4242"). Text with a
card number must never reach workflow history, the CRM, Slack or an LLM, so every intake and
every boundary that writes text elsewhere passes it through `redact_card_numbers`.

What counts as a card number: 13 to 19 digits that pass the Luhn check, written in one piece or
in groups separated by spaces or dashes (at most three separator characters between groups). A
span must start and end on a group boundary, so "order 5001, card 4242 4242 4242 4242" loses
only the card. A run of digits is removed if any such span inside it passes; removing a
harmless number by mistake costs less than keeping a card. Digit runs that are not Luhn-valid
(order numbers, phone numbers, tracking numbers) stay.

One pass over the text, then at most 19 groups looked at from each group: linear in the text.
The replacement is never longer than what it replaces, so a field's length limit still holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

MIN_DIGITS = 13
MAX_DIGITS = 19
MAX_SEPARATOR = 3
SEPARATORS = frozenset(" -")
REPLACEMENT = "[card hidden]"
assert len(REPLACEMENT) <= MIN_DIGITS


@dataclass(frozen=True)
class CardRedaction:
    text: str
    removed: bool


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        total += _doubled(value) if position % 2 else value
    return total % 10 == 0


def _digit_groups(text: str) -> list[tuple[int, int]]:
    """(start, end) of every maximal run of ASCII digits."""
    groups: list[tuple[int, int]] = []
    start = -1
    for index, char in enumerate(text):
        if "0" <= char <= "9":
            if start < 0:
                start = index
        elif start >= 0:
            groups.append((start, index))
            start = -1
    if start >= 0:
        groups.append((start, len(text)))
    return groups


def _joined(text: str, left: tuple[int, int], right: tuple[int, int]) -> bool:
    gap = text[left[1] : right[0]]
    return 0 < len(gap) <= MAX_SEPARATOR and all(c in SEPARATORS for c in gap)


def _doubled(value: int) -> int:
    return value * 2 - 9 if value > 4 else value * 2


def card_spans(text: str) -> list[tuple[int, int]]:
    """The merged (start, end) spans of `text` that hold card numbers, in order."""
    groups = _digit_groups(text)
    values = [[ord(c) - 48 for c in text[start:end]] for start, end in groups]
    # joined[i]: group i continues the number group i - 1 started.
    joined = [False] + [_joined(text, groups[i - 1], groups[i]) for i in range(1, len(groups))]
    spans: list[tuple[int, int]] = []
    for first in range(len(groups)):
        # Luhn sums kept while digits are appended on the right: appending flips which digits
        # are doubled, so the sum with the new digit undoubled is the other parity's sum plus it.
        plain, doubled, count = 0, 0, 0
        last = first
        while last < len(groups) and (last == first or joined[last]):
            count += len(values[last])
            if count > MAX_DIGITS:
                break
            for value in values[last]:
                plain, doubled = value + doubled, _doubled(value) + plain
            if count >= MIN_DIGITS and plain % 10 == 0:
                start, end = groups[first][0], groups[last][1]
                if spans and start <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                else:
                    spans.append((start, end))
            last += 1
    return spans


def redact_card_numbers(text: str) -> CardRedaction:
    """`text` with every card number replaced by REPLACEMENT, and whether any was."""
    spans = card_spans(text)
    if not spans:
        return CardRedaction(text, False)
    pieces: list[str] = []
    cursor = 0
    for start, end in spans:
        pieces += [text[cursor:start], REPLACEMENT]
        cursor = end
    pieces.append(text[cursor:])
    return CardRedaction("".join(pieces), True)


Model = TypeVar("Model", bound=BaseModel)


def redact_fields(model: Model, fields: Iterable[str], flag: str | None = None) -> Model:
    """A copy of `model` with card numbers removed from the named text fields (None and empty
    values are left alone); when `flag` names a boolean field it is set if anything was removed."""
    updates: dict[str, object] = {}
    for name in fields:
        value = getattr(model, name)
        if isinstance(value, str) and value:
            redaction = redact_card_numbers(value)
            if redaction.removed:
                updates[name] = redaction.text
    if not updates:
        return model
    if flag is not None:
        updates[flag] = True
    return model.model_copy(update=updates)
