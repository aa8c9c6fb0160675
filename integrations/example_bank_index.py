"""A small TF-IDF vector index over labelled tickets: words, word pairs and character n-grams.

Character n-grams inside words are what make it hold up on customer wording: "reimbursment",
"refnd" and "refunded" still share most of their n-grams with "refund", where a word index (and
FTS5's porter stemmer) sees unrelated terms. Word pairs keep the short phrases that carry intent
("money back", "talk to", "charged twice"). Each block is L2-normalised and weighted, then the
whole vector is normalised, so similarity is a cosine in [0, 1].

Pure Python, no numpy: the bank holds hundreds to a few thousand tickets, and a query only
walks the postings of its most informative features (`MAX_QUERY_FEATURES`, and features that
occur in more than half of the bank carry no vote), which keeps one lookup in the low
milliseconds whatever the ticket's length. Ticket text is read up to `MAX_CHARS`: the intent of a
ticket is in its subject and first paragraphs, and a 20,000-character body must not cost more.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from integrations.triage_patterns import linear

MAX_CHARS = 1200
MAX_QUERY_FEATURES = 160
BLOCK_WEIGHTS = {"w": 1.0, "b": 0.8, "c": 1.0}
MAX_DOC_SHARE = 0.5
# Features in more than this share of the bank are left out of neighbour scores (not of the
# centroids): they rank few neighbours differently and cost most of a lookup.
NEIGHBOUR_DOC_SHARE = 0.15
FOCUS_POWER = 1.0

# Python's `re` on purpose and linear: single character classes with no nested repetition
# (placeholders are bounded), so no position is retried; text is capped at MAX_CHARS anyway.
_PLACEHOLDER = re.compile(r"\{\{([^{}]{0,40})\}\}")
_ORDER_REF = re.compile(r"\bord[_-]?\d+\b|#\s?\d+\b")
# RE2: two optional runs of spaces after "order" are the shape that made backtracking take hours.
_ORDER_WORDS = linear(r"\border\s*(?:number|no\.?|num|id)?\s*[:#]?\s*\d{4,}\b")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "and",
        "or",
        "is",
        "are",
        "was",
        "be",
        "been",
        "it",
        "its",
        "for",
        "in",
        "on",
        "at",
        "my",
        "me",
        "i",
        "you",
        "your",
        "this",
        "that",
        "with",
        "have",
        "has",
        "had",
        "hi",
        "hello",
        "hey",
        "dear",
        "there",
        "so",
        "just",
        "am",
        "im",
        "ive",
    ]
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _placeholder_words(match: re.Match[str]) -> str:
    """A helpdesk macro's unfilled field reads as its words; an order field also as `ordref`,
    like a written order number ("{{Account Type}}" is not an order reference)."""
    inner = match.group(1)
    return f" {inner} ordref " if "order" in inner else f" {inner} "


def normalise(text: str) -> str:
    """Lower case; an order reference, however written (ord_5012, #5012, a macro's
    {{order number}}), becomes the word `ordref`; other numbers become `num`."""
    text = text[:MAX_CHARS].lower().replace("\u2019", "'")
    text = _PLACEHOLDER.sub(_placeholder_words, text)
    text = _ORDER_WORDS.sub(" order ordref ", text)
    text = _ORDER_REF.sub(" ordref ", text)
    return _NUMBER.sub(" num ", text)


def features(text: str) -> dict[str, Counter[str]]:
    """Raw counts per block: `w` stemmed content words, `b` word pairs, `c` char 3-5-grams."""
    words = _WORD.findall(normalise(text))
    content = [_stem(w) for w in words if w not in _STOP]
    blocks: dict[str, Counter[str]] = {
        "w": Counter(content),
        "b": Counter(f"{a} {b}" for a, b in itertools.pairwise(words)),
        "c": Counter(),
    }
    for word in dict.fromkeys(words):
        padded = f" {word} "
        for n in (3, 4, 5):
            blocks["c"].update(padded[i : i + n] for i in range(len(padded) - n + 1))
    return blocks


def _label_focus(per_label: dict[str, Counter[str]], sizes: Counter[str]) -> dict[str, float]:
    """How much each feature says about the label, from 0 (spread evenly over labels, like
    "kind regards" or "thank you") to 1 (seen under one label only): one minus the entropy of
    the labels of the examples that have it, each label's share scaled by its size."""
    if len(sizes) < 2:
        return {k: 1.0 for counts in per_label.values() for k in counts}
    rates: dict[str, list[float]] = {}
    for label, counts in per_label.items():
        for key, count in counts.items():
            rates.setdefault(key, []).append(count / sizes[label])
    top = math.log(len(sizes))
    focus: dict[str, float] = {}
    for key, values in rates.items():
        total = sum(values)
        entropy = -sum(v / total * math.log(v / total) for v in values)
        focus[key] = max(0.0, 1.0 - entropy / top) ** FOCUS_POWER
    return focus


@dataclass(frozen=True)
class Neighbour:
    position: int
    similarity: float


@dataclass(frozen=True)
class Lookup:
    neighbours: list[Neighbour]
    centroids: dict[str, float]


def _unit(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {k: v / norm for k, v in vector.items()}


class VectorIndex:
    """Cosine nearest neighbours over TF-IDF vectors of the texts it was built with."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str]) -> None:
        raw = [features(t) for t in texts]
        self._size = len(raw)
        doc_freq: Counter[str] = Counter()
        per_label: dict[str, Counter[str]] = {}
        for blocks, label in zip(raw, labels, strict=True):
            keys = [f"{name}:{k}" for name, counts in blocks.items() for k in counts]
            doc_freq.update(keys)
            per_label.setdefault(label, Counter()).update(keys)
        limit = max(2, int(self._size * MAX_DOC_SHARE))
        focus = _label_focus(per_label, Counter(labels))
        self._idf = {
            key: (math.log((1 + self._size) / (1 + df)) + 1.0) * focus[key]
            for key, df in doc_freq.items()
            if df <= limit and focus[key] > 0.0
        }
        # Postings as parallel lists (positions, weights): the query loop indexes a list of
        # scores instead of hashing, which is most of a lookup's time.
        self._postings: dict[str, tuple[list[int], list[float]]] = {}
        sums: dict[str, Counter[str]] = {}
        for position, (blocks, label) in enumerate(zip(raw, labels, strict=True)):
            vector = self._vector(blocks)
            sums.setdefault(label, Counter()).update(vector)
            for key, weight in vector.items():
                positions, weights = self._postings.setdefault(key, ([], []))
                positions.append(position)
                weights.append(weight)
        self._labels = sorted(sums)
        # The centroids inverted the same way: feature -> [(label index, weight)].
        self._centroid_postings: dict[str, list[tuple[int, float]]] = {}
        for index, label in enumerate(self._labels):
            for key, weight in _unit(sums[label]).items():
                self._centroid_postings.setdefault(key, []).append((index, weight))

    def __len__(self) -> int:
        return self._size

    def _vector(self, blocks: dict[str, Counter[str]]) -> dict[str, float]:
        vector: dict[str, float] = {}
        for name, counts in blocks.items():
            block = {
                f"{name}:{k}": (1.0 + math.log(c)) * self._idf[f"{name}:{k}"]
                for k, c in counts.items()
                if f"{name}:{k}" in self._idf
            }
            vector.update((k, v * BLOCK_WEIGHTS[name]) for k, v in _unit(block).items())
        return _unit(vector)

    def search(self, text: str, k: int, skip: Iterable[int] = ()) -> Lookup:
        """The k nearest examples and the cosine of the ticket to each label's centroid."""
        query = self._vector(features(text))
        totals = [0.0] * len(self._labels)
        for key, weight in query.items():
            for index, centroid_weight in self._centroid_postings.get(key, ()):
                totals[index] += weight * centroid_weight
        centroids = dict(zip(self._labels, totals, strict=True))
        return Lookup(self._nearest(query, k, skip), centroids)

    def _nearest(self, query: dict[str, float], k: int, skip: Iterable[int]) -> list[Neighbour]:
        top = heapq.nlargest(MAX_QUERY_FEATURES, query.items(), key=lambda kv: kv[1])
        scores = [0.0] * self._size
        longest = max(8, int(self._size * NEIGHBOUR_DOC_SHARE))
        for key, weight in top:
            found = self._postings.get(key)
            if found is None or len(found[0]) > longest:
                continue
            positions, weights = found
            for position, doc_weight in zip(positions, weights, strict=True):
                scores[position] += weight * doc_weight
        for position in skip:
            scores[position] = 0.0
        best = heapq.nlargest(k, range(self._size), key=scores.__getitem__)
        return [Neighbour(p, round(scores[p], 6)) for p in best if scores[p] > 0.0]
