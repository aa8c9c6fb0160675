"""The Alembic migrations build exactly the schema the sqlmodel tables describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from integrations.crm_store import CrmStore
from integrations.crm_store.migrate import alembic_config, current_revision, head_revision
from integrations.crm_store.tables import crm_metadata


def _schema_diff(store: CrmStore) -> list[object]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, crm_metadata))


def test_migrations_build_the_model_schema_from_empty(database_url: str) -> None:
    store = CrmStore(database_url)
    try:
        assert current_revision(store.engine) is None
        assert inspect(store.engine).get_table_names() == []

        store.migrate()

        assert current_revision(store.engine) == head_revision() == "0007_outbox_delivery"
        tables = set(inspect(store.engine).get_table_names())
        assert set(crm_metadata.tables) <= tables
        assert _schema_diff(store) == []
    finally:
        store.dispose()


def test_migrate_again_is_a_no_op(store: CrmStore) -> None:
    store.migrate()
    assert current_revision(store.engine) == head_revision()
    assert _schema_diff(store) == []


def test_downgrade_to_base_and_upgrade_again(store: CrmStore) -> None:
    config = alembic_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not set(crm_metadata.tables) & set(inspect(store.engine).get_table_names())

    store.migrate()
    assert _schema_diff(store) == []
