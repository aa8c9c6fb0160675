"""Applies the CRM schema migrations from inside the process, no alembic.ini needed.

The worker and the API both migrate at start and may start together, so the upgrade runs in one
transaction that first takes a lock: an advisory lock on PostgreSQL, the write lock that
`BEGIN IMMEDIATE` takes on SQLite. The second process then finds the schema at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Arbitrary but fixed: every supportflow process must use the same key.
_PG_MIGRATION_LOCK_KEY = 0x5F_C12_0001


def alembic_config() -> Config:
    config = Config()
    # ConfigParser interpolation: a literal % in the install path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
            )
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
