"""Chooses the knowledge adapter: Weaviate when a URL is configured, else SQLite FTS5."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import openai
import weaviate
from weaviate.classes.init import Auth

from integrations.knowledge.base import KnowledgeBase
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.knowledge.weaviate_store import Embed, WeaviateKnowledgeBase
from integrations.openai_llm import LlmConfig

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_GRPC_PORT = 50051


def openai_embedder(config: LlmConfig, model: str = DEFAULT_EMBEDDING_MODEL) -> Embed:
    """Self-provided vectors from any OpenAI-compatible embeddings endpoint (retries off)."""
    client = openai.OpenAI(
        api_key=config.api_key, base_url=config.base_url, max_retries=0, timeout=config.timeout_s
    )

    def embed(texts: list[str]) -> list[list[float]]:
        response = client.embeddings.create(model=model, input=texts)
        return [item.embedding for item in sorted(response.data, key=lambda d: d.index)]

    return embed


def connect_weaviate(
    url: str, api_key: str | None, grpc_port: int = DEFAULT_GRPC_PORT
) -> weaviate.WeaviateClient:
    """A v4 client for `url` (REST) with gRPC on the same host; the caller closes it."""
    parsed = urlparse(url)
    secure = parsed.scheme == "https"
    host = parsed.hostname or "localhost"
    return weaviate.connect_to_custom(
        http_host=host,
        http_port=parsed.port or (443 if secure else 8080),
        http_secure=secure,
        grpc_host=host,
        grpc_port=grpc_port,
        grpc_secure=secure,
        auth_credentials=Auth.api_key(api_key) if api_key else None,
    )


def open_knowledge_base(
    *,
    sqlite_path: Path,
    weaviate_url: str | None = None,
    weaviate_api_key: str | None = None,
    llm: LlmConfig | None = None,
) -> KnowledgeBase:
    """Weaviate (hybrid search with OpenAI embeddings when an LLM key is configured, else BM25)
    when `weaviate_url` is set; otherwise the embedded SQLite FTS5 store."""
    if not weaviate_url:
        return SqliteKnowledgeBase(sqlite_path)
    client = connect_weaviate(weaviate_url, weaviate_api_key)
    return WeaviateKnowledgeBase(client, embed=openai_embedder(llm) if llm else None)
