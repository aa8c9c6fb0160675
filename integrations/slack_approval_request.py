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
_MAX_FACT_LINES = 10


def fallback_text(notice: ApprovalNotice) -> str:
    """The notification and screen-reader text Slack shows where blocks are not rendered."""
    return (
        f"{notice.action.capitalize()} approval needed: "
        f"{format_money(notice.amount_cents, notice.currency)} for "
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


def _fields(notice: ApprovalNotice, amount: str, links: ApprovalLinks) -> list[dict[str, str]]:
    """At most ten fields (Slack's limit): what it acts on, the amount, and the deadline."""
    fields = []
    if notice.target:
        fields.append(mrkdwn(f"*On*\n{escape(notice.target)}"))
    if notice.order_id:
        fields.append(mrkdwn(f"*Order*\n{escape(notice.order_id)}"))
    fields.append(mrkdwn(f"*Amount*\n{amount}"))
    if notice.refundable_cents is not None:
        refundable = format_money(notice.refundable_cents, notice.currency)
        fields.append(mrkdwn(f"*Still refundable*\n{refundable}"))
    fields += [
        mrkdwn(f"*Approvals needed*\n{notice.required_approvals} ({escape(notice.level)})"),
        mrkdwn(f"*Expires*\n{slack_date(notice.expires_at)}"),
        mrkdwn(f"*Ticket*\n<{links.ticket_url}|{escape(notice.ticket_id)}>"),
    ]
    return fields


def _facts(notice: ApprovalNotice) -> list[Block]:
    """The process's own lines (what was found, what will change), one bullet each."""
    if not notice.lines:
        return []
    bullets = "\n".join(f"• {escape(line)}" for line in notice.lines[:_MAX_FACT_LINES])
    return [{"type": "section", "text": mrkdwn(f"*What the approval covers*\n{bullets}")}]


def _recent_refunds_section(notice: ApprovalNotice) -> list[Block]:
    """Money moved back to this customer lately: shown for any approval that moves money."""
    if notice.amount_cents <= 0:
        return []
    recent = _recent_refunds(notice.recent_refunds)
    return [{"type": "section", "text": mrkdwn(f"*Recent refunds for this customer*\n{recent}")}]


def _buttons(notice: ApprovalNotice) -> Block:
    value = ApprovalAction(
        ticket_id=notice.ticket_id,
        request_id=notice.request_id,
        amount_cents=notice.amount_cents,
        currency=notice.currency,
        level=notice.level,
        action=notice.action,
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
            "title": plain_text(f"Approve this {notice.action}?", 100),
            "text": plain_text(
                f"{notice.action.capitalize()} of "
                f"{format_money(notice.amount_cents, notice.currency)} for "
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
        {
            "type": "header",
            "text": plain_text(f"{notice.action.capitalize()} approval: {amount}", 150),
        },
        {
            "type": "section",
            "text": mrkdwn(
                f"*{escape(notice.customer_name)}* ({escape(notice.customer_id)}) · "
                f"{escape(notice.customer_tier)} tier\n>{escape(notice.subject) or '(no subject)'}"
            ),
        },
        {
            "type": "section",
            "fields": _fields(notice, amount, links),
        },
        *_facts(notice),
        {
            "type": "section",
            "text": mrkdwn(
                f"*Why approval is needed* (`{escape(notice.rule)}`)\n{escape(notice.reason)}"
            ),
        },
        {"type": "section", "text": mrkdwn(f"*Recommended*\n{escape(notice.recommended_action)}")},
        *_recent_refunds_section(notice),
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
        "title": plain_text(f"Reject {context.action}", 24),
        "submit": plain_text("Reject", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    f"Reject the {escape(context.action)} of *{amount}* on ticket "
                    f"{escape(context.ticket_id)}? "
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
