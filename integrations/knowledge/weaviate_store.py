"""The Weaviate knowledge adapter (weaviate-client v4), behind the same interface as SQLite FTS5.

The collection is created on first use. Two ways to get vectors: self-provided (we embed chunks
and queries ourselves, e.g. with OpenAI embeddings, and pass the vectors) or a server-side
vectorizer configured on the collection. Search is hybrid (BM25 + vector) when vectors exist and
plain BM25 otherwise. Audience is a filterable property, so a customer-facing search is filtered
inside Weaviate and internal articles never leave the server.

No Weaviate server runs in our test environment: the tests drive this adapter with a fake
client that records the exact v4 calls and returns v4 result objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from weaviate.classes.config import Configure, DataType, Property, Tokenization
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.util import generate_uuid5

from integrations.knowledge.base import IngestReport, audiences_for
from integrations.knowledge.chunking import chunk_article
from integrations.knowledge.models import Article, Audience, Chunk, Passage

Embed = Callable[[list[str]], list[list[float]]]
SearchMode = Literal["hybrid", "bm25"]
DEFAULT_COLLECTION = "HelpCenterChunk"
QUERY_PROPERTIES = ["title^3", "heading^2", "text"]
RETURN_PROPERTIES = [
    "chunk_id",
    "doc_id",
    "title",
    "url",
    "audience",
    "heading",
    "text",
    "position",
]


class KnowledgeStoreError(RuntimeError):
    """Weaviate accepted the request but rejected some objects (schema mismatch, vector size)."""


def chunk_properties() -> list[Property]:
    """Searchable text is tokenised as words; identifiers and audience as whole values so that
    filters match exactly (`public` must never match `public-draft`)."""

    def exact(name: str) -> Property:
        return Property(
            name=name,
            data_type=DataType.TEXT,
            tokenization=Tokenization.FIELD,
            skip_vectorization=True,
        )

    return [
        Property(name="title", data_type=DataType.TEXT),
        Property(name="heading", data_type=DataType.TEXT),
        Property(name="text", data_type=DataType.TEXT),
        exact("chunk_id"),
        exact("doc_id"),
        exact("url"),
        exact("audience"),
        Property(name="position", data_type=DataType.INT),
    ]


class WeaviateKnowledgeBase:
    """KnowledgeBase on a Weaviate collection. `client` is a connected `weaviate.WeaviateClient`."""

    def __init__(
        self,
        client: Any,
        *,
        collection: str = DEFAULT_COLLECTION,
        embed: Embed | None = None,
        server_vectorizer: Any = None,
        search_mode: SearchMode | None = None,
        alpha: float = 0.5,
    ) -> None:
        if embed is not None and server_vectorizer is not None:
            raise ValueError("Use self-provided vectors or a server-side vectorizer, not both")
        has_vectors = embed is not None or server_vectorizer is not None
        mode = search_mode or ("hybrid" if has_vectors else "bm25")
        if mode == "hybrid" and not has_vectors:
            raise ValueError("Hybrid search needs self-provided vectors or a server vectorizer")
        self._client = client
        self._name = collection
        self._embed = embed
        self._vector_config = server_vectorizer or Configure.Vectors.self_provided()
        self._mode: SearchMode = mode
        self._alpha = alpha

    def _collection(self) -> Any:
        """The collection, created with our schema if it does not exist yet."""
        if not self._client.collections.exists(self._name):
            self._client.collections.create(
                self._name, properties=chunk_properties(), vector_config=self._vector_config
            )
        return self._client.collections.use(self._name)

    def ingest(self, articles: Sequence[Article]) -> IngestReport:
        chunks = [chunk for article in articles for chunk in chunk_article(article)]
        collection = self._collection()
        if articles:
            doc_ids = [a.doc_id for a in articles]
            collection.data.delete_many(where=Filter.by_property("doc_id").contains_any(doc_ids))
        vectors = (
            self._embed([_embedding_text(c) for c in chunks]) if self._embed and chunks else None
        )
        objects = [
            DataObject(
                properties=_properties(chunk),
                uuid=generate_uuid5(chunk.chunk_id),
                vector=vectors[i] if vectors else None,
            )
            for i, chunk in enumerate(chunks)
        ]
        if objects:
            result = collection.data.insert_many(objects)
            if result.has_errors:
                first = next(iter(result.errors.values()))
                raise KnowledgeStoreError(
                    f"Weaviate rejected {len(result.errors)} of {len(objects)} chunks: "
                    f"{first.message}"
                )
        return IngestReport(articles=len(articles), chunks=len(chunks))

    def search(self, query: str, k: int = 5, audience: Audience = "public") -> list[Passage]:
        if not query.strip() or k <= 0:
            return []
        allowed = audiences_for(audience)
        audience_filter = (
            Filter.by_property("audience").equal(allowed[0])
            if len(allowed) == 1
            else Filter.by_property("audience").contains_any(allowed)
        )
        common: dict[str, Any] = {
            "query_properties": QUERY_PROPERTIES,
            "limit": k,
            "filters": audience_filter,
            "return_metadata": MetadataQuery(score=True),
            "return_properties": RETURN_PROPERTIES,
        }
        collection = self._collection()
        if self._mode == "bm25":
            result = collection.query.bm25(query=query, **common)
        else:
            vector = self._embed([query])[0] if self._embed else None
            result = collection.query.hybrid(
                query=query, vector=vector, alpha=self._alpha, **common
            )
        passages = [passage_from_object(obj) for obj in result.objects]
        # Defence in depth: the server-side filter already excludes other audiences.
        return [p for p in passages if p.audience in allowed]

    def count(self) -> int:
        return int(self._collection().aggregate.over_all(total_count=True).total_count or 0)


def _embedding_text(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.heading}\n{chunk.text}"


def _properties(chunk: Chunk) -> dict[str, Any]:
    return chunk.model_dump(include=set(RETURN_PROPERTIES))


def passage_from_object(obj: Any) -> Passage:
    """Maps a v4 query result object (`.properties`, `.metadata.score`) to a Passage."""
    props = dict(obj.properties)
    score = getattr(obj.metadata, "score", None) if obj.metadata is not None else None
    return Passage(
        chunk_id=str(props.get("chunk_id", obj.uuid)),
        doc_id=str(props.get("doc_id", "")),
        title=str(props.get("title", "")),
        url=str(props.get("url", "")),
        audience=props.get("audience", "internal"),
        heading=str(props.get("heading") or ""),
        text=str(props.get("text", "")),
        position=int(props.get("position") or 0),
        score=float(score or 0.0),
    )
