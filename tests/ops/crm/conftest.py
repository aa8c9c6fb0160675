"""Operator commands on both CRM backends: SQLite and the local PostgreSQL (tests/crm's)."""

from __future__ import annotations

from tests.crm.conftest import clock, database_url, postgres_database, store

__all__ = ["clock", "database_url", "postgres_database", "store"]
