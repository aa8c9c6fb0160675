"""Splits articles into section-sized chunks so a search returns the paragraph that answers,
not a whole article, and a citation still points at the article it came from."""

from __future__ import annotations

import re2

from integrations.knowledge.models import Article, Chunk

MAX_WORDS = 160
# RE2 (linear time): with backtracking, `.+?\s*#*\s*$` is quadratic on a long line of spaces.
HEADING = re2.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
PARAGRAPH_BREAK = re2.compile(r"\n\s*\n")


def _sections(body: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, list[str]]] = [("", [])]
    for line in body.splitlines():
        match = HEADING.match(line)
        if match:
            sections.append((match.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    return [(h, "\n".join(lines).strip()) for h, lines in sections if "\n".join(lines).strip()]


def _split_long(text: str) -> list[str]:
    """Packs paragraphs into pieces of at most MAX_WORDS words (a longer paragraph stays whole)."""
    pieces: list[str] = []
    current: list[str] = []
    words = 0
    for paragraph in PARAGRAPH_BREAK.split(text):
        size = len(paragraph.split())
        if current and words + size > MAX_WORDS:
            pieces.append("\n\n".join(current))
            current, words = [], 0
        current.append(paragraph.strip())
        words += size
    if current:
        pieces.append("\n\n".join(current))
    return [p for p in pieces if p]


def chunk_article(article: Article) -> list[Chunk]:
    chunks: list[Chunk] = []
    for heading, text in _sections(article.body):
        for piece in _split_long(text):
            chunks.append(
                Chunk(
                    chunk_id=f"{article.doc_id}#{len(chunks)}",
                    doc_id=article.doc_id,
                    title=article.title,
                    url=article.url,
                    audience=article.audience,
                    heading=heading,
                    text=piece,
                    position=len(chunks),
                )
            )
    return chunks
