"""Several processes share one CRM database: the worker's activity threads and the API."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from activities.models import AuditEntry
from integrations.crm_store import CrmStore
from integrations.crm_store.migrate import current_revision, head_revision
from integrations.crm_store.tables import AuditEvent
from tests.crm.conftest import T0, count_rows
from tests.crm.factories import open_ticket


def test_concurrent_migrations_do_not_collide(database_url: str) -> None:
    stores = [CrmStore(database_url) for _ in range(3)]
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            for future in [pool.submit(store.migrate) for store in stores]:
                future.result()
        assert current_revision(stores[0].engine) == head_revision()
    finally:
        for store in stores:
            store.dispose()


def test_concurrent_retried_writes_land_once(store: CrmStore) -> None:
    open_ticket(store, "T-1")

    def write(step: int) -> int:
        # Every step is written twice by different threads, as a retried activity would.
        entry = AuditEntry(actor="workflow", action=f"step_{step // 2}", at=T0)
        return store.record_audit("T-1", "ticket-T-1", [entry], "v1", f"step:{step // 2}")

    with ThreadPoolExecutor(6) as pool:
        inserted = sum(pool.map(write, range(60)))

    assert inserted == 30
    assert count_rows(store, AuditEvent) == 30
