"""The approval request in Slack: the message an approver decides from, and the reject modal.

The chat activity renders the message from an `ApprovalNotice`; its Approve and Reject buttons carry
an `ApprovalAction`, and Reject opens `reject_modal`, which asks for the reason.
"""

from __future__ import annotations

from integrations.approval_messages import ApprovalNotice
from integrations.crm_records import RefundSummary
from integrations.slack_blocks import (
    ACTIONS_BLOCK,
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_ACTION,
    REJECT_MODAL,
    ApprovalAction,
    ApprovalLinks,
    Block,
    RejectContext,
    escape,
    format_money,
    mrkdwn,
    plain_text,
    slack_date,
)

_MAX_RECENT_REFUNDS = 5


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
        "text": plain_text("Approve", 75),
        "style": "primary",
        "value": value,
    }
    if notice.required_approvals > 1:
        # Dual control: the click is one of two signatures on a large amount; make it deliberate.
        approve["confirm"] = {
            "title": plain_text("Approve this refund?", 100),
            "text": plain_text(
                f"Refund {format_money(notice.amount_cents, notice.currency)} to "
                f"{notice.customer_name}. {notice.required_approvals} different approvers "
                "must approve.",
                300,
            ),
            "confirm": plain_text("Approve", 30),
            "deny": plain_text("Cancel", 30),
            "style": "primary",
        }
    reject: Block = {
        "type": "button",
        "action_id": REJECT_ACTION,
        "text": plain_text("Reject…", 75),
        "style": "danger",
        "value": value,
    }
    return {"type": "actions", "block_id": ACTIONS_BLOCK, "elements": [approve, reject]}


def request_blocks(notice: ApprovalNotice, links: ApprovalLinks) -> list[Block]:
    """The approval message: enough to decide from the message alone, and the buttons."""
    amount = format_money(notice.amount_cents, notice.currency)
    ticket = escape(notice.ticket_id)
    return [
        {"type": "header", "text": plain_text(f"Refund approval: {amount}", 150)},
        {
            "type": "section",
            "text": mrkdwn(
                f"*{escape(notice.customer_name)}* ({escape(notice.customer_id)}) · "
                f"{escape(notice.customer_tier)} tier\n>{escape(notice.subject) or '(no subject)'}"
            ),
        },
        {
            "type": "section",
            "fields": [
                mrkdwn(f"*Order*\n{escape(notice.order_id)}"),
                mrkdwn(f"*Amount*\n{amount}"),
                mrkdwn(
                    f"*Still refundable*\n{format_money(notice.refundable_cents, notice.currency)}"
                ),
                mrkdwn(f"*Approvals needed*\n{notice.required_approvals} ({escape(notice.level)})"),
                mrkdwn(f"*Expires*\n{slack_date(notice.expires_at)}"),
                mrkdwn(f"*Ticket*\n<{links.ticket_url}|{ticket}>"),
            ],
        },
        {
            "type": "section",
            "text": mrkdwn(
                f"*Why approval is needed* (`{escape(notice.rule)}`)\n{escape(notice.reason)}"
            ),
        },
        {"type": "section", "text": mrkdwn(f"*Recommended*\n{escape(notice.recommended_action)}")},
        {
            "type": "section",
            "text": mrkdwn(
                f"*Recent refunds for this customer*\n{_recent_refunds(notice.recent_refunds)}"
            ),
        },
        {
            "type": "context",
            "elements": [
                mrkdwn(
                    f"<{links.ticket_url}|Open ticket {ticket}> · "
                    f"<{links.run_url}|Open the run in Temporal UI> · "
                    f"request `{escape(notice.request_id)}`"
                )
            ],
        },
        _buttons(notice),
    ]


def reject_modal(context: RejectContext) -> Block:
    """Asks for the reason, which goes into the audit trail and the customer's reply."""
    amount = format_money(context.amount_cents, context.currency)
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": context.model_dump_json(),
        "title": plain_text("Reject refund", 24),
        "submit": plain_text("Reject", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    f"Reject the refund of *{amount}* on ticket {escape(context.ticket_id)}? "
                    "The customer will be told why."
                ),
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain_text("Reason", 2000),
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
