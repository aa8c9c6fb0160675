"""Report tests read a real CRM store, on SQLite and on the local PostgreSQL (tests/crm)."""

from __future__ import annotations

from tests.crm.conftest import clock, database_url, postgres_database, store

__all__ = ["clock", "database_url", "postgres_database", "store"]
