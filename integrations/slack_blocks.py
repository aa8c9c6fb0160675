"""Block Kit parts of refund approvals: block and action ids, what a button carries, the links,
and the text primitives every approval and hand-off message is built from.

Pure functions over plain data. The request message and reject modal are in
`slack_approval_request`; decisions, reminders and escalations in `slack_approval_updates`.

Everything that comes from a ticket or the CRM is escaped: a customer named `<!channel>` must
not page a whole channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from integrations.temporal_links import workflow_url

Block = dict[str, Any]

APPROVE_ACTION = "approval_approve"
REJECT_ACTION = "approval_reject"
ACTIONS_BLOCK = "approval_actions"
STATUS_BLOCK = "approval_status"
REJECT_MODAL = "approval_reject_reason"
REASON_BLOCK = "reject_reason"
REASON_INPUT = "reason"

# Stripe's zero-decimal currencies: their amounts are already in whole units.
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


class ApprovalAction(BaseModel):
    """What an Approve / Reject button carries. The amount binds the click to the figure the
    approver saw: the workflow refuses it as stale if the request changed since."""

    ticket_id: str
    request_id: str
    amount_cents: int
    currency: str
    level: str
    # What is approved, in words; buttons posted before processes other than refunds had none.
    action: str = "refund"

    def encode(self) -> str:
        return self.model_dump_json()

    @classmethod
    def decode(cls, value: str) -> ApprovalAction:
        return cls.model_validate_json(value)


class RejectContext(ApprovalAction):
    """The reject modal's `private_metadata`: which request, and which message to update after."""

    channel: str
    message_ts: str


@dataclass(frozen=True)
class ApprovalLinks:
    ticket_url: str
    run_url: str

    @classmethod
    def build(
        cls, api_url: str, temporal_ui_url: str, namespace: str, ticket_id: str, workflow_id: str
    ) -> ApprovalLinks:
        return cls(
            ticket_url=f"{api_url.rstrip('/')}/tickets/{quote(ticket_id, safe='')}",
            run_url=workflow_url(temporal_ui_url, namespace, workflow_id),
        )


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal in mrkdwn text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(slack_user_id: str | None, name: str | None) -> str:
    if slack_user_id:
        return f"<@{slack_user_id}>"
    return escape(name or "someone")


def format_money(cents: int, currency: str) -> str:
    code = currency.upper()
    if currency.lower() in _ZERO_DECIMAL:
        return f"{cents:,} {code}"
    return f"{cents / 100:,.2f} {code}"


def slack_date(at: datetime) -> str:
    """Rendered in each reader's own time zone by Slack; the fallback is UTC."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    fallback = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": clip(text, 3000)}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}
