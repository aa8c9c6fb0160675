"""Zendesk Support as the helpdesk: a case's reply as a public comment, a hand-off as an internal
note with the package, and the ticket's status and tags kept in step with the case.

httpx against the documented REST API (`PUT /api/v2/tickets/{id}.json`, `GET
/api/v2/tickets/{id}/audits.json`), basic auth `{email}/token:{api_token}`, no client retries.
Each update carries `metadata.supportflow_message_id` (the event's idempotency key); Zendesk
keeps it in the update's audit (`metadata.custom`), which is what the pre-check reads so a retry
after a crash between the update and its record finds the first update instead of commenting
twice.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel

METADATA_KEY = "supportflow_message_id"
_MAX_AUDIT_PAGES = 20


class ZendeskUpdate(BaseModel):
    """One ticket update: a comment (public or internal), a status, tags to add."""

    comment: str | None = None
    public: bool = True
    status: str | None = None
    add_tags: list[str] = []


class ZendeskTickets:
    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(f"{email}/token", api_token),
            timeout=timeout_seconds,
            follow_redirects=False,
            transport=transport,
            headers={"accept": "application/json"},
        )

    def find_update(self, ticket_id: str, message_id: str) -> str | None:
        """The audit id of an update we already made with this message id, if any."""
        url: str | None = f"/api/v2/tickets/{ticket_id}/audits.json"
        for _ in range(_MAX_AUDIT_PAGES):
            if url is None:
                return None
            response = self._client.get(url)
            response.raise_for_status()
            page: dict[str, Any] = response.json()
            for audit in page.get("audits") or []:
                custom = (audit.get("metadata") or {}).get("custom") or {}
                if custom.get(METADATA_KEY) == message_id:
                    return str(audit["id"])
            url = page.get("next_page")
        return None

    def update_ticket(self, ticket_id: str, message_id: str, update: ZendeskUpdate) -> str:
        """Applies the update; returns its audit id."""
        ticket: dict[str, Any] = {"metadata": {METADATA_KEY: message_id}}
        if update.comment is not None:
            ticket["comment"] = {"body": update.comment, "public": update.public}
        if update.status is not None:
            ticket["status"] = update.status
        if update.add_tags:
            ticket["additional_tags"] = update.add_tags
        response = self._client.put(f"/api/v2/tickets/{ticket_id}.json", json={"ticket": ticket})
        response.raise_for_status()
        audit = response.json().get("audit") or {}
        return str(audit.get("id", ""))

    def close(self) -> None:
        self._client.close()
