"""Query terms shared by the SQLite adapter (to build FTS5 queries) and answer drafting (to score
how much of a question a passage covers). Deliberately simple: lower-case words, stop words out
(including the greetings and filler every ticket carries), and a light suffix stemmer."""

from __future__ import annotations

import re

_STOPWORD_TEXT = """
a about after again all also am an and any are as at be been before being but by can could
did do does doing done for from get got had has have having he her here hers him his how i
i'd i'm i've if in into is it it's its just let me more my myself need no nor not now of off
on once only or other our ours out over own please same she should so some still such than
that the their them then there these they this those through to too under until up us very
was we were what when where which while who whom why will with would you your yours hi hello
hey thanks thank regards cheers dear team support help question wondering know want like
tell anyone someone something really quick best kind thing things way asap today yesterday
tomorrow
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Python's `re` on purpose, and still linear: one greedy class and an optional tail that cannot
# fail, so no position is ever retried (tests/security/test_text_linear_time.py holds it to that).
# RE2 would be as safe but pays a Python object per match, and a question has thousands of words.
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def terms(text: str) -> list[str]:
    """Content words of `text`, in order, without duplicates."""
    words = (w for w in WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1)
    return list(dict.fromkeys(words))


def stems(text: str) -> set[str]:
    return {stem(w) for w in terms(text)}
