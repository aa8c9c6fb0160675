"""Which index generalises better for the example bank: `python -m evals.compare_indexes`.

Grouped 5-fold cross-validation over the built-in bank (test split never read), the same folds
as `tune_triage`. For each held-out ticket, a similarity-weighted vote of its nearest examples
from (a) the knowledge base's engine, `SqliteKnowledgeBase` (SQLite FTS5, BM25, porter stemmer),
each example ingested as an article, and (b) the TF-IDF word/char-n-gram `VectorIndex`; and the
full engine's vote with each. Prints key=value accuracies.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from evals.tune_triage import FOLDS, fold_of, probes, rules_trust
from integrations.example_bank import BankLookup, LabelledExample, default_examples
from integrations.knowledge.models import Article
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.triage_vote import VoteWeights, vote

K = 15


def _top(votes: dict[str, float]) -> str | None:
    return max(votes, key=votes.__getitem__) if votes else None


def _fts_bank(examples: list[LabelledExample], folder: Path) -> SqliteKnowledgeBase:
    kb = SqliteKnowledgeBase(folder / "examples.db")
    kb.ingest(
        [
            Article(
                doc_id=str(i),
                title=e.subject or "(no subject)",
                url=f"example:{e.example_id}",
                body=e.text or e.subject,
            )
            for i, e in enumerate(examples)
        ]
    )
    return kb


def main() -> dict[str, str]:
    examples = default_examples()
    found = probes(examples, K)
    trust = rules_trust(found)
    weights = VoteWeights()
    by_id = {e.example_id: e for e in examples}
    fts_knn = vec_knn = fts_full = vec_full = 0
    for example, lookup, scores, rules_intent, signals in found:
        vec_full += (
            vote(lookup, scores, rules_intent, signals, weights, trust).intent == example.intent
        )
        votes: dict[str, float] = {}
        for neighbour, similarity in lookup.neighbours:
            votes[neighbour.intent] = votes.get(neighbour.intent, 0.0) + similarity
        vec_knn += _top(votes) == example.intent
    with tempfile.TemporaryDirectory() as tmp:
        position = {id(p[0]): p for p in found}
        for fold in range(FOLDS):
            train = [e for e in examples if fold_of(e.group) != fold]
            kb = _fts_bank(train, Path(tmp) / str(fold))
            for example in (e for e in examples if fold_of(e.group) == fold):
                passages = kb.search(example.ticket_text, K)
                neighbours = [(train[int(p.doc_id)], p.score) for p in passages]
                votes = {}
                for neighbour, score in neighbours:
                    votes[neighbour.intent] = votes.get(neighbour.intent, 0.0) + score
                fts_knn += _top(votes) == example.intent
                _, lookup, scores, rules_intent, signals = position[id(by_id[example.example_id])]
                top = max((s for _, s in neighbours), default=1.0) or 1.0
                fts_lookup = BankLookup(
                    [(n, s / top * 0.5) for n, s in neighbours], lookup.centroids
                )
                decided = vote(fts_lookup, scores, rules_intent, signals, weights, trust)
                fts_full += decided.intent == example.intent
    n = len(examples)
    return {
        "cv_examples": str(n),
        "cv_knn_accuracy_fts5": f"{fts_knn / n:.3f}",
        "cv_knn_accuracy_tfidf_char": f"{vec_knn / n:.3f}",
        "cv_engine_accuracy_fts5_neighbours": f"{fts_full / n:.3f}",
        "cv_engine_accuracy_tfidf_neighbours": f"{vec_full / n:.3f}",
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}")
