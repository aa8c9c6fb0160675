"""The Weaviate adapter against a fake client.

No Weaviate server can run here, so this fake stands in at the client boundary: it records the
exact weaviate-client v4 calls (collection creation, delete/insert, bm25/hybrid with filters) and
answers with the client's own result types (`Object`, `MetadataReturn`, `QueryReturn`,
`BatchObjectReturn`). What this proves: the adapter builds the queries and schema we intend and
maps results correctly. What it cannot prove: that a real server ranks well or accepts the schema.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from weaviate.classes.config import Configure, DataType, Tokenization
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.collections.classes.batch import BatchObject, BatchObjectReturn, ErrorObject
from weaviate.collections.classes.internal import MetadataReturn, Object, QueryReturn
from weaviate.util import generate_uuid5

from integrations.knowledge.base import KnowledgeBase
from integrations.knowledge.models import Article
from integrations.knowledge.weaviate_store import (
    DEFAULT_COLLECTION,
    QUERY_PROPERTIES,
    RETURN_PROPERTIES,
    KnowledgeStoreError,
    WeaviateKnowledgeBase,
)

ARTICLE = Article(
    doc_id="refunds/timing",
    title="When will I get my refund?",
    url="https://help.example/refund-timing",
    body="## Cards\n\nCard refunds take 5 to 10 business days.\n\n## PayPal\n\nWithin 24 hours.",
)


def result_object(audience: str, score: float | None, **props: Any) -> Object[Any, Any]:
    properties = {
        "chunk_id": "refunds/timing#0",
        "doc_id": "refunds/timing",
        "title": "When will I get my refund?",
        "url": "https://help.example/refund-timing",
        "audience": audience,
        "heading": "Cards",
        "text": "Card refunds take 5 to 10 business days.",
        "position": 0,
        **props,
    }
    return Object(
        uuid=uuid.uuid4(),
        metadata=MetadataReturn(score=score),
        properties=properties,
        references=None,
        vector={},
        collection=DEFAULT_COLLECTION,
    )


@dataclass
class FakeCollection:
    results: list[Object[Any, Any]] = field(default_factory=list)
    insert_errors: dict[int, ErrorObject] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def data(self) -> FakeCollection:
        return self

    @property
    def query(self) -> FakeCollection:
        return self

    @property
    def aggregate(self) -> FakeCollection:
        return self

    def delete_many(self, **kw: Any) -> None:
        self.calls.append(("delete_many", kw))

    def insert_many(self, objects: list[Any]) -> BatchObjectReturn:
        self.calls.append(("insert_many", {"objects": objects}))
        return BatchObjectReturn(errors=self.insert_errors, has_errors=bool(self.insert_errors))

    def bm25(self, **kw: Any) -> QueryReturn[Any, Any]:
        self.calls.append(("bm25", kw))
        return QueryReturn(objects=self.results)

    def hybrid(self, **kw: Any) -> QueryReturn[Any, Any]:
        self.calls.append(("hybrid", kw))
        return QueryReturn(objects=self.results)

    def over_all(self, **kw: Any) -> Any:
        self.calls.append(("over_all", kw))
        return type("Agg", (), {"total_count": 7})()


@dataclass
class FakeClient:
    existing: set[str] = field(default_factory=set)
    collection: FakeCollection = field(default_factory=FakeCollection)
    created: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def collections(self) -> FakeClient:
        return self

    def exists(self, name: str) -> bool:
        return name in self.existing

    def create(self, name: str, **kw: Any) -> None:
        self.created.append((name, kw))
        self.existing.add(name)

    def use(self, name: str) -> FakeCollection:
        assert name in self.existing, "used a collection that was never created"
        return self.collection


def fake_embed(texts: list[str]) -> list[list[float]]:
    return [[float(len(t)), 0.5] for t in texts]


def calls(client: FakeClient, name: str) -> list[dict[str, Any]]:
    return [kw for call, kw in client.collection.calls if call == name]


def test_collection_is_created_once_with_filterable_audience() -> None:
    client = FakeClient()
    kb = WeaviateKnowledgeBase(client)
    assert isinstance(kb, KnowledgeBase)
    kb.search("refund", k=3)
    kb.search("refund", k=3)
    [(name, config)] = client.created
    assert name == DEFAULT_COLLECTION
    assert config["vector_config"] == Configure.Vectors.self_provided()
    props = {p.name: p for p in config["properties"]}
    assert set(props) == {*RETURN_PROPERTIES}
    assert props["audience"].tokenization == Tokenization.FIELD
    assert props["audience"].skip_vectorization is True
    assert props["position"].dataType == DataType.INT


def test_existing_collection_is_not_recreated() -> None:
    client = FakeClient(existing={DEFAULT_COLLECTION})
    WeaviateKnowledgeBase(client).search("refund")
    assert client.created == []


def test_server_side_vectorizer_is_configured_and_queried_without_vectors() -> None:
    client = FakeClient()
    vectorizer = Configure.Vectors.text2vec_openai(source_properties=["title", "text"])
    kb = WeaviateKnowledgeBase(client, server_vectorizer=vectorizer)
    kb.search("refund timing", k=2)
    assert client.created[0][1]["vector_config"] == vectorizer
    [query] = calls(client, "hybrid")
    assert query["vector"] is None and query["query"] == "refund timing"


def test_ingest_replaces_the_articles_chunks_with_self_provided_vectors() -> None:
    client = FakeClient()
    report = WeaviateKnowledgeBase(client, embed=fake_embed).ingest([ARTICLE])
    assert (report.articles, report.chunks) == (1, 2)
    [delete] = calls(client, "delete_many")
    assert delete["where"] == Filter.by_property("doc_id").contains_any(["refunds/timing"])
    [insert] = calls(client, "insert_many")
    objects = insert["objects"]
    assert [o.uuid for o in objects] == [
        generate_uuid5("refunds/timing#0"),
        generate_uuid5("refunds/timing#1"),
    ]
    first = objects[0]
    assert first.properties["audience"] == "public"
    assert first.properties["heading"] == "Cards"
    assert (
        first.vector
        == fake_embed([f"{ARTICLE.title}\nCards\nCard refunds take 5 to 10 business days."])[0]
    )
    # The call order matters: delete before insert, so a re-ingest never doubles chunks.
    assert [c for c, _ in client.collection.calls] == ["delete_many", "insert_many"]


def test_ingest_surfaces_rejected_objects() -> None:
    client = FakeClient()
    error = ErrorObject(
        message="vector lengths don't match",
        object_=BatchObject(collection=DEFAULT_COLLECTION, properties={}, index=0),
    )
    client.collection.insert_errors = {0: error}
    with pytest.raises(KnowledgeStoreError, match="vector lengths"):
        WeaviateKnowledgeBase(client).ingest([ARTICLE])


def test_bm25_query_for_customers() -> None:
    client = FakeClient()
    client.collection.results = [result_object("public", 2.5)]
    passages = WeaviateKnowledgeBase(client).search("refund timing", k=3)
    [query] = calls(client, "bm25")
    assert query == {
        "query": "refund timing",
        "query_properties": QUERY_PROPERTIES,
        "limit": 3,
        "filters": Filter.by_property("audience").equal("public"),
        "return_metadata": MetadataQuery(score=True),
        "return_properties": RETURN_PROPERTIES,
    }
    [passage] = passages
    assert (passage.chunk_id, passage.title, passage.heading, passage.audience, passage.score) == (
        "refunds/timing#0",
        "When will I get my refund?",
        "Cards",
        "public",
        2.5,
    )


def test_hybrid_query_for_agents_with_self_provided_vector() -> None:
    client = FakeClient()
    client.collection.results = [result_object("internal", None, heading=None, position=None)]
    kb = WeaviateKnowledgeBase(client, embed=fake_embed, alpha=0.7)
    [passage] = kb.search("approval limits", k=5, audience="internal")
    [query] = calls(client, "hybrid")
    assert query["vector"] == fake_embed(["approval limits"])[0]
    assert query["alpha"] == 0.7
    assert query["filters"] == Filter.by_property("audience").contains_any(["public", "internal"])
    assert (passage.heading, passage.position, passage.score) == ("", 0, 0.0)


def test_internal_results_never_reach_a_public_search() -> None:
    client = FakeClient()
    client.collection.results = [result_object("internal", 9.0), result_object("public", 1.0)]
    passages = WeaviateKnowledgeBase(client).search("refund", audience="public")
    assert [p.audience for p in passages] == ["public"]


def test_hybrid_needs_vectors() -> None:
    with pytest.raises(ValueError, match="Hybrid"):
        WeaviateKnowledgeBase(FakeClient(), search_mode="hybrid")
    with pytest.raises(ValueError, match="not both"):
        WeaviateKnowledgeBase(
            FakeClient(), embed=fake_embed, server_vectorizer=Configure.Vectors.self_provided()
        )


def test_count_uses_aggregate() -> None:
    client = FakeClient()
    assert WeaviateKnowledgeBase(client).count() == 7
    assert calls(client, "over_all") == [{"total_count": True}]
