"""The buttons of a hand-off message in Slack and the modals they open: Claim, Send, Edit &
send (a modal with the draft to edit), Reject, Reassign (a modal naming an agent or a
channel) and Save as example (integrations/slack_example_modal.py). Every button carries the ticket and hand-off ids; the person is whoever clicked,
mapped from their Slack account, never a value in the payload."""

from __future__ import annotations

from pydantic import BaseModel

from integrations.slack_blocks import Block, mrkdwn, plain_text
from integrations.slack_example_modal import SAVE_EXAMPLE

HANDOFF_ACTION_PREFIX = "handoff_"
CLAIM, SEND, EDIT, REJECT, REASSIGN = (
    f"{HANDOFF_ACTION_PREFIX}{name}" for name in ("claim", "send", "edit", "reject", "reassign")
)
EDIT_MODAL = "handoff_edit_send"
REASSIGN_MODAL = "handoff_reassign"
REPLY_BLOCK, REPLY_INPUT = "handoff_reply", "reply"
TARGET_BLOCK, TARGET_INPUT = "handoff_target", "target"
MAX_MODAL_TEXT = 3000  # Slack's limit for a plain_text_input's initial value


class HandoffButton(BaseModel):
    """The `value` of every hand-off button."""

    ticket_id: str
    handoff_id: str


class HandoffModalContext(HandoffButton):
    """The `private_metadata` of a hand-off modal: where to answer once it is submitted."""

    channel: str
    message_ts: str


def handoff_buttons(ticket_id: str, handoff_id: str, *, has_draft: bool) -> Block:
    value = HandoffButton(ticket_id=ticket_id, handoff_id=handoff_id).model_dump_json()

    def button(action_id: str, label: str, style: str | None = None) -> Block:
        element: Block = {
            "type": "button",
            "action_id": action_id,
            "text": plain_text(label, 75),
            "value": value,
        }
        if style:
            element["style"] = style
        return element

    elements = [button(CLAIM, "Claim", "primary")]
    if has_draft:
        elements += [button(SEND, "Send"), button(EDIT, "Edit & send"), button(REJECT, "Reject")]
    elements += [button(REASSIGN, "Reassign"), button(SAVE_EXAMPLE, "Save as example")]
    return {"type": "actions", "block_id": "handoff_actions", "elements": elements}


def edit_modal(context: HandoffModalContext, draft: str) -> Block:
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "private_metadata": context.model_dump_json(),
        "title": plain_text("Edit & send", 24),
        "submit": plain_text("Send", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "input",
                "block_id": REPLY_BLOCK,
                "label": plain_text(f"Reply to the customer (ticket {context.ticket_id})", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REPLY_INPUT,
                    "multiline": True,
                    "initial_value": draft,
                    "max_length": MAX_MODAL_TEXT,
                },
            }
        ],
    }


def reassign_modal(context: HandoffModalContext) -> Block:
    return {
        "type": "modal",
        "callback_id": REASSIGN_MODAL,
        "private_metadata": context.model_dump_json(),
        "title": plain_text("Reassign", 24),
        "submit": plain_text("Reassign", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn("Name an agent (their person id) or a channel id (`C…`)."),
            },
            {
                "type": "input",
                "block_id": TARGET_BLOCK,
                "label": plain_text("Agent or channel", 2000),
                "element": {"type": "plain_text_input", "action_id": TARGET_INPUT},
            },
        ],
    }
