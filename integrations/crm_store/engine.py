"""Engine construction for the CRM store on SQLite (embedded default) or PostgreSQL.

SQLite is set up for several processes (worker threads, API) writing one file: WAL so readers
never block the writer, a busy timeout so writers queue instead of failing, and `BEGIN IMMEDIATE`
so a transaction that reads then writes takes the write lock up front; a deferred transaction in
WAL mode fails at once with "database is locked" when another writer got in between.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 10_000
# The idempotent upserts use ON CONFLICT, which both of these (and only these) dialects share.
SUPPORTED_BACKENDS = frozenset({"sqlite", "postgresql"})


def normalize_database_url(database_url: str) -> URL:
    """Accept the URLs people paste (`postgres://`, `postgresql://`) and use psycopg 3 for them;
    SQLAlchemy would otherwise pick psycopg2, which we do not install."""
    url = make_url(database_url)
    if url.drivername in {"postgres", "postgresql"}:
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for in-memory and non-SQLite URLs."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def create_crm_engine(database_url: str, *, echo: bool = False) -> Engine:
    url = normalize_database_url(database_url)
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise ValueError(
            f"DATABASE_URL must point at SQLite or PostgreSQL, not {url.get_backend_name()!r}"
        )
    if url.get_backend_name() == "sqlite":
        # SQLite allows one writer at a time. A single pooled connection makes this process's
        # threads queue on the pool (woken at once) instead of in SQLite's sleeping busy handler.
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (see module docstring).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    # In WAL mode NORMAL still survives a process crash; only an OS crash can lose the last commit.
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Switching the journal mode needs the file to itself, and SQLite may answer "database is
    locked" at once, without its busy handler, while another process is migrating the same new
    file: retried for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
