"""The transaction every CrmStore method runs in, over one engine and one clock.

One method is one transaction. Every write an activity makes is idempotent (see `writes`), so
Temporal can retry any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlmodel import Session

from integrations.crm_records import AuditEntry
from integrations.crm_store.engine import create_crm_engine, normalize_database_url, sqlite_file
from integrations.crm_store.migrate import upgrade_to_head
from integrations.crm_store.tables import Ticket
from integrations.crm_store.writes import add_audit, audit_row

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class CrmTransactions:
    """The engine, the clock and the session the parts of `CrmStore` share."""

    def __init__(self, database_url: str, *, clock: Clock = utc_now, echo: bool = False) -> None:
        self.url = normalize_database_url(database_url)
        self.engine = create_crm_engine(database_url, echo=echo)
        self._clock = clock

    def migrate(self) -> None:
        """Bring the schema to the newest revision; safe to call from every process at start."""
        path = sqlite_file(self.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        upgrade_to_head(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _audit_ticket_event(
        self, ticket_id: str, entry: AuditEntry, dedupe_key: str | None
    ) -> None:
        with self.session() as session:
            ticket = session.get(Ticket, ticket_id)
            workflow_id = ticket.workflow_id if ticket is not None else None
            policy_version = ticket.policy_version if ticket is not None else None
            if dedupe_key is None:
                session.add(audit_row(ticket_id, workflow_id, entry, policy_version, None))
            else:
                add_audit(session, ticket_id, workflow_id, [entry], policy_version, dedupe_key)
