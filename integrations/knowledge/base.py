"""The one interface every knowledge adapter implements (SQLite FTS5 default, Weaviate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from integrations.knowledge.models import Article, Audience, Passage


class IngestReport(BaseModel):
    articles: int
    chunks: int


def audiences_for(audience: Audience) -> list[Audience]:
    """Customer-facing searches see public articles only; agents see everything."""
    return ["public"] if audience == "public" else ["public", "internal"]


@runtime_checkable
class KnowledgeBase(Protocol):
    """Stores help-center articles as chunks and finds the passages that answer a question.

    `ingest` replaces every chunk of the articles it is given (re-ingesting an export is safe);
    `search(audience="public")` must never return internal passages."""

    def ingest(self, articles: Sequence[Article]) -> IngestReport: ...

    def search(self, query: str, k: int = 5, audience: Audience = "public") -> list[Passage]: ...

    def count(self) -> int: ...
