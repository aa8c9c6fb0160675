"""The normalised edit distance between a drafted reply and what a person sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.text_edits import edit_distance, normalised_edit_distance


def table_distance(a: str, b: str) -> int:
    """The textbook dynamic-programming table, to check the bit-parallel version against."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        row = [i]
        for j, char_b in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = row
    return previous[-1]


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("", "abc", 3),
        ("abc", "", 3),
        ("kitten", "sitting", 3),
        ("flaw", "lawn", 2),
        ("same text", "same text", 0),
        ("Your refund is on its way.", "Your refund is on the way!", 4),
    ],
)
def test_known_distances(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance


@given(st.text(alphabet="abc é\n", max_size=40), st.text(alphabet="abcd é", max_size=40))
def test_matches_the_table(a: str, b: str) -> None:
    assert edit_distance(a, b) == table_distance(a, b)


def test_longer_than_a_machine_word() -> None:
    a = "x" * 100 + "middle" + "y" * 100
    b = "x" * 100 + "MIDDLE" + "y" * 100
    assert edit_distance(a, b) == 6


def test_normalised_distance() -> None:
    assert normalised_edit_distance("Hello there.", "Hello there.") == 0.0
    # Re-wrapping and a trailing newline are not edits.
    assert normalised_edit_distance("Hello  there.\n", "Hello\nthere.") == 0.0
    assert normalised_edit_distance("abcd", "wxyz") == 1.0
    assert normalised_edit_distance("abcd", "abcx") == 0.25
    assert normalised_edit_distance("", "") == 0.0
    assert normalised_edit_distance("", "new") == 1.0
