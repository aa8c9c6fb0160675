"""CrmStore's API key methods: one transaction each over the operations in `keys`."""

from __future__ import annotations

from integrations.crm_records import AuditEntry
from integrations.crm_store import keys
from integrations.crm_store.transactions import CrmTransactions


class ApiKeyRecords(CrmTransactions):
    """Issuing, listing, revoking and checking API keys, and auditing what a key did."""

    def create_api_key(
        self,
        name: str,
        kind: keys.KeyKind,
        *,
        person_id: str | None = None,
        slack_user_id: str | None = None,
        scopes: list[str] | None = None,
        created_by: str = "cli",
    ) -> keys.IssuedKey:
        """Issue a key; its plaintext is in the result and nowhere else (raises ApiKeyRefused)."""
        with self.session() as session:
            return keys.create_key(
                session,
                name=name,
                kind=kind,
                now=self._clock(),
                person_id=person_id,
                slack_user_id=slack_user_id,
                scopes=scopes,
                created_by=created_by,
            )

    def list_api_keys(self) -> list[keys.ApiKeyView]:
        with self.session() as session:
            return keys.list_keys(session)

    def revoke_api_key(self, name_or_key_id: str) -> keys.ApiKeyView:
        with self.session() as session:
            return keys.revoke_key(session, name_or_key_id, self._clock())

    def verify_api_key(self, presented: str) -> keys.VerifiedKey | None:
        """The owner of an active key, or None (malformed, unknown or revoked)."""
        with self.session() as session:
            return keys.verify_key(session, presented, self._clock())

    def has_active_api_keys(self) -> bool:
        with self.session() as session:
            return keys.has_active_keys(session)

    def person_for_slack_user(self, slack_user_id: str) -> str | None:
        """The canonical person id a Slack user was registered to with a person key."""
        with self.session() as session:
            return keys.person_for_slack_user(session, slack_user_id)

    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None:
        """Audit a state change made over the API or CLI: who (principal and credential) did
        what. Written as its own event (no dedupe key): each call is one request."""
        entry = AuditEntry(actor=actor[:64], action=action, detail=detail, at=self._clock())
        self._audit_ticket_event(ticket_id, entry, None)
