"""Alembic environment of the CRM store.

`CrmStore.migrate()` passes its own open connection in `config.attributes["connection"]`, so the
migration runs inside the store's transaction (and its lock). The `alembic` CLI, run with
`-c integrations/crm_store/alembic.ini`, connects to DATABASE_URL (or the settings default).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from integrations.crm_store.engine import create_crm_engine, normalize_database_url
from integrations.crm_store.tables import crm_metadata

config = context.config


def _database_url() -> str:
    from worker.settings import get_settings

    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=crm_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables in later revisions.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=normalize_database_url(_database_url()),
        target_metadata=crm_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    shared = config.attributes.get("connection")
    if shared is not None:
        _migrate(shared)
        return
    engine = create_crm_engine(_database_url())
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
