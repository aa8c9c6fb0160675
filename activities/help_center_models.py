"""What `supportflow kb ingest --via-temporal` hands the worker: one batch of help-center
articles at a time (kept well under Temporal's payload limits), and what the worker stored."""

from __future__ import annotations

from pydantic import BaseModel, Field

from integrations.knowledge.models import Article


class HelpCenterBatch(BaseModel):
    ingest_id: str = Field(min_length=1, max_length=64)
    number: int = Field(ge=1)
    of: int = Field(ge=1)
    articles: list[Article]


class HelpCenterBatchResult(BaseModel):
    articles: int
    chunks: int
    # Which store the worker wrote: "Weaviate at <url>" or "SQLite file <path> on <host>".
    store: str
