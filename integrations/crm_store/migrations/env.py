"""Alembic environment of the CRM store.

`CrmStore.migrate()` passes its own open connection in `config.attributes["connection"]`, so the
migration runs inside the store's transaction (and its lock). The `alembic` CLI, run with
`-c integrations/crm_store/alembic.ini`, connects to `sqlalchemy.url` when the config sets one,
else to DATABASE_URL (from the environment or `.env`, as the worker reads it), else to the worker's
default file, `.data/supportflow.db` in the project.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection

from integrations.crm_store.engine import create_crm_engine, normalize_database_url
from integrations.crm_store.tables import crm_metadata

config = context.config


# The worker's settings are above this layer, so the CLI reads DATABASE_URL itself, the same way
# and with the same default as `worker.settings.Settings.database_url`.
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


class _MigrationTarget(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        f"sqlite:///{_PROJECT_ROOT / '.data' / 'supportflow.db'}", alias="DATABASE_URL"
    )


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or _MigrationTarget().database_url


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
