"""The embedded knowledge base: SQLite FTS5 with BM25 ranking, one file, no server.

Title and section heading are indexed as their own columns and weighted above body text, so an
article whose title names the topic outranks one that mentions it in passing. A connection is
opened per operation: activities run searches in worker threads, and SQLite connections must
not cross threads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from integrations.knowledge.base import IngestReport, audiences_for
from integrations.knowledge.chunking import chunk_article
from integrations.knowledge.models import Article, Audience, Passage
from integrations.knowledge.text import terms

SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks USING fts5(
    title, heading, text,
    chunk_id UNINDEXED, doc_id UNINDEXED, url UNINDEXED, audience UNINDEXED, position UNINDEXED,
    tokenize = 'porter unicode61'
);
"""
# bm25() weights follow the column order above: title, heading, text, then unindexed columns.
RANK = "bm25(chunks, 4.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)"
MAX_QUERY_TERMS = 24


def fts_query(text: str) -> str | None:
    """An FTS5 query matching any content word of `text`. Every term is quoted, so punctuation
    or FTS syntax in a customer's ticket (`AND`, `NEAR`, `"`, `*`) can never break the query."""
    words = terms(text)[:MAX_QUERY_TERMS]
    if not words:
        return None
    return " OR ".join('"' + w.replace('"', "") + '"' for w in words)


class SqliteKnowledgeBase:
    """KnowledgeBase in a local SQLite file (a path, not `:memory:`: each operation reconnects)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self._path)
        try:
            with db:
                yield db
        finally:
            db.close()

    def ingest(self, articles: Sequence[Article]) -> IngestReport:
        chunks = [chunk for article in articles for chunk in chunk_article(article)]
        with self._connect() as db:
            db.executemany("DELETE FROM chunks WHERE doc_id = ?", [(a.doc_id,) for a in articles])
            db.executemany(
                "INSERT INTO chunks (title, heading, text, chunk_id, doc_id, url, audience, position)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.title,
                        c.heading,
                        c.text,
                        c.chunk_id,
                        c.doc_id,
                        c.url,
                        c.audience,
                        c.position,
                    )
                    for c in chunks
                ],
            )
        return IngestReport(articles=len(articles), chunks=len(chunks))

    def search(self, query: str, k: int = 5, audience: Audience = "public") -> list[Passage]:
        match = fts_query(query)
        if match is None or k <= 0:
            return []
        allowed = audiences_for(audience)
        marks = ", ".join("?" for _ in allowed)
        sql = (
            f"SELECT chunk_id, doc_id, title, url, audience, heading, text, position, {RANK}"
            f" FROM chunks WHERE chunks MATCH ? AND audience IN ({marks})"
            f" ORDER BY {RANK} LIMIT ?"
        )
        with self._connect() as db:
            rows = db.execute(sql, [match, *allowed, k]).fetchall()
        return [
            Passage(
                chunk_id=r[0],
                doc_id=r[1],
                title=r[2],
                url=r[3],
                audience=r[4],
                heading=r[5],
                text=r[6],
                position=int(r[7]),
                # FTS5's bm25() is "lower is better" (negative); flip it so higher is better.
                score=round(-float(r[8]), 4),
            )
            for r in rows
        ]

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM chunks").fetchone()[0])
