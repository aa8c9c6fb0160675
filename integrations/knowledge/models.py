"""Help-center content as the knowledge adapters store and return it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Audience = Literal["public", "internal"]
"""`public` articles may be quoted to customers; `internal` ones only to agents."""


class Article(BaseModel):
    """One help-center article as exported (Markdown or HTML), before chunking."""

    doc_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: str = Field(min_length=1)
    audience: Audience = "public"
    body: str


class Chunk(BaseModel):
    """A searchable piece of an article: one section, or part of a long one."""

    chunk_id: str
    doc_id: str
    title: str
    url: str
    audience: Audience
    heading: str = ""
    text: str
    position: int = 0


class Passage(Chunk):
    """A chunk returned by a search, with the adapter's relevance score (higher is better;
    scales differ between adapters, so compare scores only within one result list)."""

    score: float = 0.0


class Citation(BaseModel):
    title: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url}


def citations_for(passages: list[Passage]) -> list[Citation]:
    """One citation per article, in ranking order."""
    seen: dict[str, Citation] = {}
    for passage in passages:
        seen.setdefault(passage.url, Citation(title=passage.title, url=passage.url))
    return list(seen.values())
