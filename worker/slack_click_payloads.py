"""What a Slack interaction payload says, read with no I/O: the click on an approval button, or
the reject form's submission, and the answers Slack gets at once when one cannot be used.

Slack payloads come from outside: every field is checked for shape and bounds before anything
is sent to a case, and what is off is named in a `MalformedClick`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from integrations.slack_blocks import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REJECT_ACTION,
    ApprovalAction,
    Block,
)

log = logging.getLogger("worker.slack_clicks")

Decision = Literal["approve", "reject"]

REASON_REQUIRED = "Say why the refund is rejected; the customer will read it."
MALFORMED_TEXT = (
    ":warning: supportflow could not read this click ({why}); nothing was decided. Use the "
    "buttons on the latest approval message, or decide with `supportflow approve`."
)
MALFORMED_FORM = (
    "This form no longer matches a refund request; nothing was decided. Close it and click "
    "Reject on the approval message again."
)


@dataclass(frozen=True)
class Acknowledgement:
    """`body` is the JSON Slack gets at once (None: an empty 200); `follow_up` runs after."""

    body: dict[str, Any] | None = None
    follow_up: Callable[[], Coroutine[Any, Any, None]] | None = None


@dataclass(frozen=True)
class Click:
    user: str
    action: ApprovalAction
    channel: str
    message_ts: str
    trigger_id: str | None = None
    blocks: list[Block] = field(default_factory=list)
    text: str = ""


class MalformedClick(Exception):
    """A signed payload we cannot act on. `user`/`channel` are set when they could be read, so
    the answer can also reach the clicker as an ephemeral message."""

    def __init__(self, why: str, *, user: str | None = None, channel: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.user = user
        self.channel = channel


class ClickedRequest(BaseModel):
    """The bounds a button value must meet to name a decidable request (those of
    `ApprovalDecision` and `RefundRequest`), checked before anything is sent to a case. An
    approval that moves no money (an onboarding exception) carries amount 0 and no currency;
    its request id alone binds the click."""

    ticket_id: str = Field(min_length=1, max_length=64)
    request_id: str = Field(min_length=1, max_length=64)
    amount_cents: int = Field(ge=0, le=100_000_000)
    currency: str = Field(max_length=8)
    level: str = Field(min_length=1, max_length=64)


def malformed_answer(why: str) -> dict[str, Any]:
    """What Slack gets back for a click we cannot read: an ephemeral text in the response body,
    the form Slack shows for interactive responses (we also post it with chat.postEphemeral
    when the payload names a user and channel)."""
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": MALFORMED_TEXT.format(why=why),
    }


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def user_id(payload: dict[str, Any]) -> str | None:
    return text_or_none(as_dict(payload.get("user")).get("id"))


def as_decision(value: str | None) -> Decision | None:
    return value if value in ("approve", "reject") else None  # type: ignore[return-value]


def form_error(message: str) -> Acknowledgement:
    """Keeps the reject modal open with `message` under its reason field."""
    return Acknowledgement(body={"response_action": "errors", "errors": {REASON_BLOCK: message}})


def notice_view(message: str) -> dict[str, Any]:
    return {
        "response_action": "update",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": "supportflow"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message}}],
        },
    }


def click_from_block_actions(payload: dict[str, Any]) -> tuple[Decision, Click]:
    """The button and click in a block_actions payload, or MalformedClick saying what is off."""
    user = user_id(payload)
    container = as_dict(payload.get("container"))
    message = as_dict(payload.get("message"))
    channel = text_or_none(container.get("channel_id")) or text_or_none(
        as_dict(payload.get("channel")).get("id")
    )
    message_ts = text_or_none(container.get("message_ts")) or text_or_none(message.get("ts"))
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise MalformedClick("it names no button", user=user, channel=channel)
    chosen = as_dict(actions[0])
    action_id = chosen.get("action_id")
    if action_id not in (APPROVE_ACTION, REJECT_ACTION):
        raise MalformedClick("it is not an Approve or Reject button", user=user, channel=channel)
    try:
        action = ApprovalAction.decode(str(chosen.get("value") or ""))
        ClickedRequest.model_validate(action.model_dump())
    except ValidationError:
        log.warning("approval button without a usable value")
        raise MalformedClick(
            "the button does not name a refund request", user=user, channel=channel
        ) from None
    if not (channel and message_ts and user):
        log.warning("approval click without channel, message or user")
        raise MalformedClick(
            "it does not say who clicked on which message", user=user, channel=channel
        )
    kind: Decision = "approve" if action_id == APPROVE_ACTION else "reject"
    blocks = message.get("blocks")
    return kind, Click(
        user=user,
        action=action,
        channel=channel,
        message_ts=message_ts,
        trigger_id=text_or_none(payload.get("trigger_id")),
        blocks=[b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else [],
        text=str(message.get("text") or ""),
    )
