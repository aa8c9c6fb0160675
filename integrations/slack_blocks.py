"""Block Kit for refund approvals: what an approver sees, and how a decision changes it.

Pure functions over plain data. The chat activity renders from an `ApprovalNotice`; the
interactivity endpoint re-renders from the message Slack sends back with a click. Both go through
`apply_outcome`, so whichever update lands last, the message shows the same picture.

Everything that comes from a ticket or the CRM is escaped: a customer named `<!channel>` must
not page a whole channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel

from integrations.approval_messages import ApprovalNotice
from integrations.crm_records import RefundSummary
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
_MAX_RECENT_REFUNDS = 5

OutcomeStatus = Literal["partially_approved", "approved", "rejected", "expired", "superseded"]


class ApprovalAction(BaseModel):
    """What an Approve / Reject button carries. The amount binds the click to the figure the
    approver saw: the workflow refuses it as stale if the request changed since."""

    ticket_id: str
    request_id: str
    amount_cents: int
    currency: str
    level: str

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


@dataclass(frozen=True)
class ApprovalOutcome:
    """A decision (or expiry) as the message should show it. `actor` is mrkdwn, see `mention`."""

    status: OutcomeStatus
    at: datetime
    actor: str | None = None
    reason: str | None = None
    approvals_received: int = 0
    required_approvals: int = 1
    escalated_to: str | None = None


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


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _clip(text, 3000)}


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def fallback_text(notice: ApprovalNotice) -> str:
    """The notification and screen-reader text Slack shows where blocks are not rendered."""
    return (
        f"Refund approval needed: {format_money(notice.amount_cents, notice.currency)} for "
        f"{escape(notice.customer_name)} (ticket {escape(notice.ticket_id)})"
    )


def _recent_refunds(refunds: list[RefundSummary]) -> str:
    if not refunds:
        return "_None in the policy window._"
    lines = [
        f"• {format_money(r.amount_cents, r.currency)} on {r.created_at:%Y-%m-%d} "
        f"(order {escape(r.order_id)}, ticket {escape(r.ticket_id)})"
        for r in refunds[:_MAX_RECENT_REFUNDS]
    ]
    if len(refunds) > _MAX_RECENT_REFUNDS:
        lines.append(f"… and {len(refunds) - _MAX_RECENT_REFUNDS} more")
    return "\n".join(lines)


def _buttons(notice: ApprovalNotice) -> Block:
    value = ApprovalAction(
        ticket_id=notice.ticket_id,
        request_id=notice.request_id,
        amount_cents=notice.amount_cents,
        currency=notice.currency,
        level=notice.level,
    ).encode()
    approve: Block = {
        "type": "button",
        "action_id": APPROVE_ACTION,
        "text": _plain("Approve", 75),
        "style": "primary",
        "value": value,
    }
    if notice.required_approvals > 1:
        # Dual control: the click is one of two signatures on a large amount; make it deliberate.
        approve["confirm"] = {
            "title": _plain("Approve this refund?", 100),
            "text": _plain(
                f"Refund {format_money(notice.amount_cents, notice.currency)} to "
                f"{notice.customer_name}. {notice.required_approvals} different approvers "
                "must approve.",
                300,
            ),
            "confirm": _plain("Approve", 30),
            "deny": _plain("Cancel", 30),
            "style": "primary",
        }
    reject: Block = {
        "type": "button",
        "action_id": REJECT_ACTION,
        "text": _plain("Reject…", 75),
        "style": "danger",
        "value": value,
    }
    return {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": [approve, reject]}


def request_blocks(notice: ApprovalNotice, links: ApprovalLinks) -> list[Block]:
    """The approval message: enough to decide from the message alone, and the buttons."""
    amount = format_money(notice.amount_cents, notice.currency)
    ticket = escape(notice.ticket_id)
    return [
        {"type": "header", "text": _plain(f"Refund approval: {amount}", 150)},
        {
            "type": "section",
            "text": _mrkdwn(
                f"*{escape(notice.customer_name)}* ({escape(notice.customer_id)}) · "
                f"{escape(notice.customer_tier)} tier\n>{escape(notice.subject) or '(no subject)'}"
            ),
        },
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*Order*\n{escape(notice.order_id)}"),
                _mrkdwn(f"*Amount*\n{amount}"),
                _mrkdwn(
                    f"*Still refundable*\n{format_money(notice.refundable_cents, notice.currency)}"
                ),
                _mrkdwn(
                    f"*Approvals needed*\n{notice.required_approvals} ({escape(notice.level)})"
                ),
                _mrkdwn(f"*Expires*\n{slack_date(notice.expires_at)}"),
                _mrkdwn(f"*Ticket*\n<{links.ticket_url}|{ticket}>"),
            ],
        },
        {
            "type": "section",
            "text": _mrkdwn(
                f"*Why approval is needed* (`{escape(notice.rule)}`)\n{escape(notice.reason)}"
            ),
        },
        {"type": "section", "text": _mrkdwn(f"*Recommended*\n{escape(notice.recommended_action)}")},
        {
            "type": "section",
            "text": _mrkdwn(
                f"*Recent refunds for this customer*\n{_recent_refunds(notice.recent_refunds)}"
            ),
        },
        {
            "type": "context",
            "elements": [
                _mrkdwn(
                    f"<{links.ticket_url}|Open ticket {ticket}> · "
                    f"<{links.run_url}|Open the run in Temporal UI> · "
                    f"request `{escape(notice.request_id)}`"
                )
            ],
        },
        _buttons(notice),
    ]


def outcome_text(outcome: ApprovalOutcome) -> str:
    when = slack_date(outcome.at)
    actor = outcome.actor or "someone"
    if outcome.status == "approved":
        tally = (
            f" ({outcome.approvals_received} of {outcome.required_approvals} approvals)"
            if outcome.required_approvals > 1
            else ""
        )
        return f":white_check_mark: *Approved* by {actor} at {when}{tally}"
    if outcome.status == "rejected":
        reason = escape(outcome.reason or "no reason given")
        return f":x: *Rejected* by {actor} at {when} — {reason}"
    if outcome.status == "superseded":
        # The approvals were given, but what they approved no longer holds (the charge changed
        # meanwhile): the approver must not read "Approved" when no money will move.
        why = escape(outcome.reason or "the case changed since the request was posted")
        return (
            f":warning: *Approved* by {actor} at {when}, *but no refund will be made*: {why}. "
            "The case was escalated to a person."
        )
    if outcome.status == "partially_approved":
        return (
            f":hourglass_flowing_sand: *{outcome.approvals_received} of "
            f"{outcome.required_approvals} approvals* — approved by {actor} at {when}. "
            "A different approver must approve too."
        )
    target = f"escalated to <#{outcome.escalated_to}>" if outcome.escalated_to else "no decision"
    return f":alarm_clock: *Expired* at {when} — {target}. No refund was made."


def apply_outcome(blocks: list[Block], outcome: ApprovalOutcome) -> list[Block]:
    """Replaces the buttons with the outcome; a partial approval keeps them for the next approver.

    Works on any rendering of the request (ours, or Slack's echo of it), replacing an earlier
    outcome rather than stacking a second one.
    """
    actions = [b for b in blocks if b.get("block_id") == ACTIONS_BLOCK]
    body = [b for b in blocks if b.get("block_id") not in (ACTIONS_BLOCK, STATUS_BLOCK)]
    status: Block = {
        "type": "section",
        "block_id": STATUS_BLOCK,
        "text": _mrkdwn(outcome_text(outcome)),
    }
    keep_buttons = outcome.status == "partially_approved"
    return [*body, status, *(actions if keep_buttons else [])]


def outcome_fallback(outcome: ApprovalOutcome, notice_text: str) -> str:
    labels = {
        "approved": "Approved",
        "rejected": "Rejected",
        "partially_approved": f"{outcome.approvals_received} of {outcome.required_approvals} "
        "approvals",
        "expired": "Expired",
        "superseded": "Approved, but no refund will be made",
    }
    return f"{labels[outcome.status]}: {notice_text}"


def approver_mentions(slack_ids: list[str], user_group: str | None) -> str:
    parts = [f"<@{uid}>" for uid in slack_ids]
    if user_group:
        parts.append(f"<!subteam^{user_group}>")
    return " ".join(parts)


def reminder_text(notice: ApprovalNotice, mentions: str) -> str:
    return (
        f":bell: Reminder: this refund of {format_money(notice.amount_cents, notice.currency)} "
        f"still needs a decision; it expires {slack_date(notice.expires_at)}. {mentions}"
    ).rstrip()


def escalation_blocks(notice: ApprovalNotice, links: ApprovalLinks, mentions: str) -> list[Block]:
    """The request, re-posted for the next level with its own buttons: they decide from here."""
    intro: Block = {
        "type": "section",
        "text": _mrkdwn(
            f":rotating_light: *Escalated*: no decision yet on this {escape(notice.level)} "
            f"approval. {mentions}".rstrip()
        ),
    }
    return [intro, *request_blocks(notice, links)]


def reject_modal(context: RejectContext) -> Block:
    """Asks for the reason, which goes into the audit trail and the customer's reply."""
    amount = format_money(context.amount_cents, context.currency)
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": context.model_dump_json(),
        "title": _plain("Reject refund", 24),
        "submit": _plain("Reject", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": _mrkdwn(
                    f"Reject the refund of *{amount}* on ticket {escape(context.ticket_id)}? "
                    "The customer will be told why."
                ),
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": _plain("Reason", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 1,
                    "max_length": 2000,
                },
            },
        ],
    }
