"""CRM store fixtures: every store test runs on SQLite and on the local PostgreSQL.

PostgreSQL runs get a database of their own for the session and a fresh schema per test. Without
a reachable server they are skipped, unless REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlmodel import func, select

from integrations.crm_store import CrmStore
from integrations.crm_store.tables import CrmTable
from tests.conftest import require_postgres

POSTGRES_URL = os.environ.get(
    "SUPPORTFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand, so refund ages and windows are exact."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class PostgresDatabase:
    """A throwaway database on the local server; each test gets its own schema inside it."""

    def __init__(self, admin_url: str) -> None:
        self._admin_url = admin_url
        self.name = f"supportflow_test_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.url = make_url(admin_url).set(drivername="postgresql", database=self.name)
        self._conn = psycopg.connect(
            self.url.render_as_string(hide_password=False), autocommit=True
        )

    def new_schema(self) -> tuple[str, str]:
        schema = f"t_{uuid.uuid4().hex[:10]}"
        self._conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        # search_path in the connection options: the store sees a database of its own.
        url = self.url.update_query_dict({"options": f"-csearch_path={schema}"})
        return schema, url.render_as_string(hide_password=False)

    def drop_schema(self, schema: str) -> None:
        self._conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

    def drop(self) -> None:
        self._conn.close()
        with psycopg.connect(self._admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    try:
        database = PostgresDatabase(POSTGRES_URL)
    except psycopg.OperationalError as err:
        message = (
            f"PostgreSQL not reachable at {POSTGRES_URL} ({' '.join(str(err).split())}); "
            "the CRM store's PostgreSQL runs are skipped. Set REQUIRE_POSTGRES=1 to fail instead."
        )
        if require_postgres():
            pytest.fail(message)
        pytest.skip(message)
    yield database
    database.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crm.db'}"
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    schema, url = database.new_schema()
    yield url
    database.drop_schema(schema)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[CrmStore]:
    crm = CrmStore(database_url, clock=clock)
    crm.migrate()
    yield crm
    crm.dispose()


def count_rows(store: CrmStore, table: type[CrmTable]) -> int:
    with store.session() as session:
        return session.exec(select(func.count()).select_from(table)).one()
