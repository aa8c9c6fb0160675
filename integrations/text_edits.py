"""How much a person changed a drafted reply before sending it: the normalised edit distance.

The distance is Levenshtein's (insertions, deletions, substitutions of characters) between the
two texts after collapsing runs of whitespace, divided by the longer text's length: 0.0 is sent
as drafted, 1.0 is rewritten from scratch. Computed with the bit-parallel algorithm of Myers
(1999) in Hyyrö's formulation, one pass over the sent text with Python integers as bit vectors,
so a 20 000-character reply costs milliseconds instead of the 400 million cells of the table.
"""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")


def normalised_text(text: str) -> str:
    """Whitespace runs count as one space and the ends are trimmed: re-wrapping a paragraph or a
    trailing newline is not an edit the customer would notice."""
    return _WHITESPACE.sub(" ", text).strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between `a` and `b`."""
    if not a:
        return len(b)
    if not b:
        return len(a)
    m = len(a)
    matches: dict[str, int] = {}
    for i, char in enumerate(a):
        matches[char] = matches.get(char, 0) | (1 << i)
    mask = (1 << m) - 1
    last = 1 << (m - 1)
    plus, minus, score = mask, 0, m
    for char in b:
        eq = matches.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        horizontal_plus = minus | (~(xh | plus) & mask)
        horizontal_minus = plus & xh
        if horizontal_plus & last:
            score += 1
        elif horizontal_minus & last:
            score -= 1
        # Shifting a 1 in: the first row of the table grows by one per character of `b`.
        horizontal_plus = ((horizontal_plus << 1) | 1) & mask
        horizontal_minus = (horizontal_minus << 1) & mask
        plus = horizontal_minus | (~(xv | horizontal_plus) & mask)
        minus = horizontal_plus & xv
    return score


def normalised_edit_distance(draft: str, sent: str) -> float:
    """0.0 (sent as drafted) to 1.0 (nothing of the draft kept), on normalised texts."""
    a, b = normalised_text(draft), normalised_text(sent)
    longest = max(len(a), len(b))
    if longest == 0:
        return 0.0
    return round(edit_distance(a, b) / longest, 4)
