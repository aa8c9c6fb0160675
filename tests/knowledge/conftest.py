"""Fixtures for knowledge tests: the demo help center loaded into a fresh SQLite FTS5 store."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.knowledge.helpcenter import load_help_center
from integrations.knowledge.models import Article
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase

DEMO_HELP_CENTER = Path(__file__).resolve().parents[2] / "demo" / "help-center"


@pytest.fixture(scope="session")
def demo_articles() -> list[Article]:
    return load_help_center(DEMO_HELP_CENTER)


@pytest.fixture
def demo_kb(tmp_path: Path, demo_articles: list[Article]) -> SqliteKnowledgeBase:
    kb = SqliteKnowledgeBase(tmp_path / "knowledge.db")
    kb.ingest(demo_articles)
    return kb
