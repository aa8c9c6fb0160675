"""Signed callbacks to a calling system, per the Standard Webhooks scheme.

Each case event is POSTed as `{"type", "timestamp", "data"}` with the headers `webhook-id`
(the event's message id, the same on every attempt, so a receiver can drop a repeat),
`webhook-timestamp` (this attempt's time, so a receiver's five-minute window holds on retries)
and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`), signed with
the `standardwebhooks` package. No redirects are followed and nothing is retried here:
Temporal owns retries, and activities/delivery_errors.py says which answers are worth one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

from integrations.delivery_models import OutboundEvent

USER_AGENT = "supportflow-callbacks/1"


def callback_payload(event: OutboundEvent) -> dict[str, Any]:
    """What the calling system reads: the event type, when it happened, the ticket and (for a
    reply) the message the customer gets. The signing secret never appears in it."""
    data: dict[str, Any] = {"ticket_id": event.ticket_id, **event.data}
    if event.reply is not None:
        data["reply"] = {
            "subject": event.reply.subject,
            "body": event.reply.body,
            "citations": event.reply.citations,
        }
    return {"type": event.kind, "timestamp": event.created_at.isoformat(), "data": data}


def signed_request(
    event: OutboundEvent, secret: str, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt."""
    body = json.dumps(callback_payload(event), separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(event.message_id, now, body),
    }
    return body, headers


class CallbackSender:
    """POSTs case events to the URL the ticket's calling system registered."""

    def __init__(
        self,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client = httpx.Client(
            timeout=timeout_seconds, follow_redirects=False, transport=transport
        )
        self._clock = clock

    def send(self, event: OutboundEvent) -> str:
        """Delivers the event; returns its message id. Raises httpx's errors (a non-2xx answer
        as `httpx.HTTPStatusError`)."""
        if event.callback is None:
            raise ValueError(f"ticket {event.ticket_id} has no callback endpoint")
        body, headers = signed_request(event, event.callback.secret, self._clock())
        response = self._client.post(event.callback.url, content=body, headers=headers)
        if response.is_redirect:
            # A redirect would move a signed body somewhere the system did not register.
            raise httpx.HTTPStatusError(
                f"callback answered {response.status_code} (redirects are not followed)",
                request=response.request,
                response=response,
            )
        response.raise_for_status()
        return event.message_id

    def close(self) -> None:
        self._client.close()
