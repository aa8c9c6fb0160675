"""What a person sends to work a hand-off (API body, CLI options, Slack modal), and who they
are: a person credential with `tickets:write`. Nothing in the body names the person."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from worker.auth import TICKETS_WRITE, AuthFailed, Principal, require_scope
from workflows.ticket.review_contract import (
    SLACK_CHANNEL_PATTERN,
    HandbackInstruction,
    HandoffAction,
    HandoffActionKind,
)


class HandoffVerb(StrEnum):
    """The path segment of `POST /tickets/{id}/handoff/{verb}`."""

    claim = "claim"
    resolve = "resolve"
    reassign = "reassign"
    handback = "handback"
    send = "send"
    edit_send = "edit-send"
    reject = "reject"

    @property
    def action(self) -> HandoffActionKind:
        return self.value.replace("-", "_")  # type: ignore[return-value]


class HandoffSubmission(BaseModel):
    """Fields each action uses: resolve `note` (what was done) and optionally `reply` (sent to
    the customer); edit-send `reply`; reassign one of `to_person` / `to_channel`; handback
    `instruction`. `handoff_id`, when given, must be the hand-off the case waits on."""

    model_config = ConfigDict(extra="forbid")

    handoff_id: str | None = Field(None, min_length=1, max_length=64)
    note: str | None = Field(None, max_length=2_000)
    reply: str | None = Field(None, min_length=1, max_length=20_000)
    to_person: str | None = Field(None, min_length=1, max_length=64)
    to_channel: str | None = Field(None, pattern=SLACK_CHANNEL_PATTERN)
    instruction: HandbackInstruction | None = None

    def action(self, verb: HandoffVerb, person: str, channel: str) -> HandoffAction:
        return HandoffAction(
            action=verb.action,
            person=person,
            handoff_id=self.handoff_id,
            channel=channel,
            note=self.note,
            reply=self.reply,
            assign_to_person=self.to_person,
            assign_to_channel=self.to_channel,
            instruction=self.instruction,
        )


class ReopenSubmission(BaseModel):
    """The customer's message when they come back about the same problem."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=20_000)
    channel: str = Field("api", min_length=1, max_length=32)


def require_agent(principal: Principal) -> Principal:
    """Hand-offs are worked by people: a calling system's key never claims or resolves one.
    Whether the person is one of the policy's agents is the workflow's to say."""
    if not principal.is_person:
        raise AuthFailed(
            403,
            "person_required",
            "Hand-offs are worked by a person: use a person key or an OIDC token, "
            f"not the key of {principal.id}.",
            scope=TICKETS_WRITE,
        )
    return require_scope(principal, TICKETS_WRITE)
