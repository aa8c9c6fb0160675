"""CrmStore's routing records for outbound delivery: who filed a ticket (and from which
helpdesk ticket), and the callback URL each calling system registered with its signing secret."""

from __future__ import annotations

import base64
import secrets

from integrations.crm_store.delivery_tables import CallbackEndpoint, TicketSource
from integrations.crm_store.transactions import CrmTransactions
from integrations.crm_store.writes import insert_ignore
from integrations.delivery_models import CallbackEndpointView, TicketSourceView


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class CallbackRecords(CrmTransactions):
    def record_ticket_source(
        self,
        ticket_id: str,
        *,
        system: str | None = None,
        helpdesk: str | None = None,
        external_id: str | None = None,
    ) -> bool:
        """Where a ticket came from, recorded once (the first filing wins, as for the ticket)."""
        with self.session() as session:
            row = TicketSource(
                ticket_id=ticket_id,
                system=system,
                helpdesk=helpdesk,
                external_id=external_id,
                created_at=self._clock(),
            )
            return insert_ignore(session, row, ["ticket_id"])

    def ticket_source(self, ticket_id: str) -> TicketSourceView | None:
        with self.session() as session:
            row = session.get(TicketSource, ticket_id)
            return None if row is None else TicketSourceView.model_validate(row.model_dump())

    def register_callback(
        self, system: str, url: str, *, rotate_secret: bool = False
    ) -> tuple[CallbackEndpointView, bool]:
        """Set `system`'s callback URL; (endpoint, whether its secret is new). The secret stays
        when only the URL changes, so a receiver keeps verifying; `rotate_secret` replaces it."""
        now = self._clock()
        with self.session() as session:
            row = session.get(CallbackEndpoint, system)
            fresh = row is None or rotate_secret
            if row is None:
                row = CallbackEndpoint(
                    system=system,
                    url=url,
                    secret=new_signing_secret(),
                    created_at=now,
                    updated_at=now,
                )
            else:
                row.url, row.updated_at = url, now
                if rotate_secret:
                    row.secret = new_signing_secret()
            session.add(row)
            return CallbackEndpointView.model_validate(row.model_dump()), fresh

    def callback_for(self, system: str) -> CallbackEndpointView | None:
        with self.session() as session:
            row = session.get(CallbackEndpoint, system)
            return None if row is None else CallbackEndpointView.model_validate(row.model_dump())
