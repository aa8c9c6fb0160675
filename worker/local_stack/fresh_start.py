"""`supportflow run --fresh`: forget the demo state kept under .data/."""

from __future__ import annotations

from pathlib import Path

from integrations.crm_store.engine import normalize_database_url, sqlite_file
from worker.local_stack import demo_stripe
from worker.settings import DATA_DIR, Settings


def clear_demo_state(settings: Settings, data_dir: Path = DATA_DIR) -> list[Path]:
    """`supportflow run --fresh`: forget the dev server's history, the sandbox, the SQLite CRM and
    the SQLite knowledge base (only files under .data/; a Postgres DATABASE_URL or a Weaviate
    collection is never touched)."""
    removed = []
    candidates = [data_dir / "temporal.db", *data_dir.glob("temporal.db-*")]
    candidates.append(data_dir / demo_stripe.SANDBOX_STATE_FILE)
    if data_dir.resolve() in settings.knowledge_db_path.resolve().parents:
        candidates.append(settings.knowledge_db_path)
    sqlite_path = sqlite_file(normalize_database_url(settings.database_url))
    if sqlite_path is not None and data_dir.resolve() in sqlite_path.resolve().parents:
        candidates += [sqlite_path, *sqlite_path.parent.glob(sqlite_path.name + "-*")]
    for path in candidates:
        if path.exists():
            path.unlink()
            removed.append(path)
    return removed
