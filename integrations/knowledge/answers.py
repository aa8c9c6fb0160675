"""Answers built from retrieved passages: an extractive draft and an honest confidence.

Relevance scores are not comparable between adapters (BM25 vs hybrid), so the confidence that
decides customer-vs-review is computed here, the same way for every adapter: the share of the
question's content words that the best article covers. A question about customs duties answered
from the customs section scores high; a question half about something the help center never
mentions scores low and goes to a person.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from integrations.knowledge.models import Citation, Passage, citations_for
from integrations.knowledge.text import stem, stems, terms

MAX_SENTENCES = 3
EXTRACTIVE_ENGINE = "extractive"


class DraftedAnswer(BaseModel):
    text: str
    citations: list[Citation]
    confidence: float
    engine: str
    input_tokens: int = 0
    output_tokens: int = 0


def answer_confidence(question: str, passages: list[Passage]) -> float:
    """Share of the question's content words covered by the best-ranked article's passages."""
    wanted = stems(question)
    if not passages or not wanted:
        return 0.0
    top_url = passages[0].url
    covered: set[str] = set()
    for passage in passages:
        if passage.url == top_url:
            covered |= stems(f"{passage.title} {passage.heading} {passage.text}")
    matched = len(wanted & covered)
    # One shared word is weak evidence however short the question: full marks need two.
    return round(matched / len(wanted) * min(1.0, matched / 2), 2)


def _units(text: str) -> list[str]:
    """Paragraphs with soft-wrapped lines joined; list items and table rows kept apart."""
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for line in re.split(r"\n(?=\s*(?:[-*]|\d+\.|\|)\s)", paragraph.strip()):
            if re.fullmatch(r"[\s|:-]+", line):
                continue  # a Markdown table's separator row
            if line.lstrip().startswith("|"):
                line = " - ".join(c.strip() for c in line.strip().strip("|").split("|")) + "."
            line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line)
            units.append(" ".join(re.sub(r"\*\*|__|`", "", line).split()))
    return [u for u in units if u]


def _sentences(text: str) -> list[str]:
    sentences = [s.strip() for u in _units(text) for s in re.split(r"(?<=[.!?])\s+", u)]
    return [s for s in sentences if len(s.split()) >= 3]


def _best_window(wanted: set[str], sentences: list[str]) -> tuple[int, list[str]]:
    """The run of up to MAX_SENTENCES consecutive sentences sharing the most question words;
    consecutive sentences read as an answer, scattered ones do not."""
    overlaps = [len(wanted & {stem(w) for w in terms(s)}) for s in sentences]
    best_score, best_start = -1, 0
    for start in range(len(sentences)):
        window = overlaps[start : start + MAX_SENTENCES]
        # A window must start on a relevant sentence, otherwise it carries filler first.
        score = sum(window) if window and window[0] > 0 else 0
        if score > best_score:
            best_score, best_start = score, start
    return best_score, sentences[best_start : best_start + MAX_SENTENCES]


def extractive_answer(question: str, passages: list[Passage]) -> DraftedAnswer:
    """Quotes the best run of sentences from the best-ranked passage that has one, and cites the
    article it came from; nothing is paraphrased, so nothing can be invented."""
    wanted = stems(question)
    chosen: tuple[int, list[str], Passage | None] = (0, [], None)
    for passage in passages[:2]:
        score, window = _best_window(wanted, _sentences(passage.text))
        if window and score > chosen[0]:
            chosen = (score, window, passage)
    _, window, source = chosen
    if source is None and passages:
        source, window = passages[0], _sentences(passages[0].text)[:MAX_SENTENCES]
    return DraftedAnswer(
        text=" ".join(window),
        citations=citations_for([source]) if source else [],
        confidence=answer_confidence(question, passages),
        engine=EXTRACTIVE_ENGINE,
    )


def format_reply(greeting_name: str, answer: DraftedAnswer) -> str:
    """The customer-facing body: the answer, then the articles it came from."""
    sources = "\n".join(f"- {c.title}: {c.url}" for c in answer.citations)
    hello = f"Hi {greeting_name}," if greeting_name else "Hi,"
    return f"{hello}\n\n{answer.text}\n\nMore details:\n{sources}\n"
