"""What a click on a hand-off message in Slack does: Claim, Send, Reject at once; Edit & send
and Reassign through a modal. Shares the Request URL and Socket Mode with approvals
(worker/slack_interactions.py routes hand-off payloads here).

Slack gets its answer at once; the follow-up maps the Slack user to a person (a user the policy
lists, or one linked with `keys create --person P --slack-user U`), runs the `handoff_action`
Update as that person (worker/handoffs.py: the workflow's validator decides), and tells the
channel what happened in the message's thread, or the clicker alone why it was refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client

from integrations.slack_approvals import SlackApprovals
from integrations.slack_directory import ApproverDirectory
from integrations.slack_example_modal import EXAMPLE_MODAL, SAVE_EXAMPLE
from integrations.slack_handoff_card import (
    CLAIM,
    EDIT,
    EDIT_MODAL,
    HANDOFF_ACTION_PREFIX,
    MAX_MODAL_TEXT,
    REASSIGN,
    REASSIGN_MODAL,
    REJECT,
    REPLY_BLOCK,
    REPLY_INPUT,
    SEND,
    TARGET_BLOCK,
    TARGET_INPUT,
    HandoffButton,
    HandoffModalContext,
    edit_modal,
    reassign_modal,
)
from worker.approval_refusals import CaseUnavailable
from worker.handoffs import HandoffRefused, act_on_handoff, review_card
from worker.slack_click_payloads import Acknowledgement, as_dict
from worker.slack_example_clicks import SlackExamples
from workflows.ticket.review_contract import (
    SLACK_CHANNEL_PATTERN,
    HandoffAction,
    HandoffActionKind,
)

log = logging.getLogger(__name__)

PersonForSlackUser = Callable[[str], str | None]
_DIRECT: dict[str, HandoffActionKind] = {CLAIM: "claim", SEND: "send", REJECT: "reject"}
_MODALS = (EDIT_MODAL, REASSIGN_MODAL, EXAMPLE_MODAL)
TOO_LONG_FOR_SLACK = (
    "This draft is longer than a Slack text box holds; edit it with "
    "`supportflow edit-send {} --reply ...` or the API."
)
UNLINKED = (
    "Your Slack account is not linked to a support agent. Ask an admin to link it "
    "(`supportflow keys create --person <you> --slack-user <your Slack id>`), or use the API/CLI."
)


NO_EXAMPLES = "Saving examples needs the CRM; use `supportflow save-example` or the API."


class HandoffClickHandler:
    def __init__(
        self,
        *,
        slack: SlackApprovals,
        person_for: PersonForSlackUser,
        temporal_client: Client,
        examples: SlackExamples | None = None,
    ) -> None:
        self._slack = slack
        self._person_for = person_for
        self._client = temporal_client
        self._examples = examples

    def handles(self, payload: Any) -> bool:
        if not isinstance(payload, dict):
            return False
        if payload.get("type") == "block_actions":
            actions = payload.get("actions")
            first = actions[0] if isinstance(actions, list) and actions else {}
            return str(as_dict(first).get("action_id", "")).startswith(HANDOFF_ACTION_PREFIX)
        view = as_dict(payload.get("view"))
        return payload.get("type") == "view_submission" and view.get("callback_id") in _MODALS

    def acknowledge(self, payload: dict[str, Any]) -> Acknowledgement:
        """No I/O: what Slack hears within 3 seconds, and the follow-up."""
        user = str(as_dict(payload.get("user")).get("id") or "")
        try:
            if payload.get("type") == "view_submission":
                return self._submitted(payload, user)
            action = as_dict(payload["actions"][0])
            button = HandoffButton.model_validate_json(str(action.get("value") or ""))
            context = HandoffModalContext(
                **button.model_dump(),
                channel=str(as_dict(payload.get("channel")).get("id") or ""),
                message_ts=str(as_dict(payload.get("container")).get("message_ts") or ""),
            )
        except (ValidationError, KeyError, IndexError, TypeError):
            log.warning("unreadable hand-off click")
            return Acknowledgement()
        action_id = str(action.get("action_id"))
        if action_id in _DIRECT:
            return Acknowledgement(
                follow_up=partial(self._act, context, user, _DIRECT[action_id], {})
            )
        trigger = str(payload.get("trigger_id") or "")
        if action_id == EDIT:
            return Acknowledgement(follow_up=partial(self._open_edit, context, user, trigger))
        if action_id == REASSIGN:
            view = reassign_modal(context)
            return Acknowledgement(follow_up=partial(self._open, trigger, view))
        if action_id == SAVE_EXAMPLE:
            if self._examples is None:
                return Acknowledgement(
                    follow_up=partial(self._tell_clicker, context, user, NO_EXAMPLES)
                )
            follow_up = partial(self._examples.open_modal, context, trigger, self._open)
            return Acknowledgement(follow_up=follow_up)
        return Acknowledgement()

    def _submitted(self, payload: dict[str, Any], user: str) -> Acknowledgement:
        view = as_dict(payload.get("view"))
        context = HandoffModalContext.model_validate_json(str(view.get("private_metadata") or ""))
        values = as_dict(as_dict(view.get("state")).get("values"))
        if view.get("callback_id") == EXAMPLE_MODAL and self._examples is not None:
            return Acknowledgement(follow_up=partial(self._save_example, context, user, values))
        if view.get("callback_id") == EDIT_MODAL:
            reply = str(
                as_dict(as_dict(values.get(REPLY_BLOCK)).get(REPLY_INPUT)).get("value") or ""
            )
            fields = {"reply": reply.strip() or None}
            return Acknowledgement(follow_up=partial(self._act, context, user, "edit_send", fields))
        target = str(
            as_dict(as_dict(values.get(TARGET_BLOCK)).get(TARGET_INPUT)).get("value") or ""
        )
        target = target.strip()
        # Channel ids carry digits (C0123ABCD); a person id typed in capitals is still a person.
        is_channel = re.match(SLACK_CHANNEL_PATTERN, target) and any(c.isdigit() for c in target)
        key = "assign_to_channel" if is_channel else "assign_to_person"
        return Acknowledgement(
            follow_up=partial(self._act, context, user, "reassign", {key: target or None})
        )

    async def _open_edit(self, context: HandoffModalContext, user: str, trigger_id: str) -> None:
        try:
            card = await review_card(self._client, context.ticket_id)
        except (HandoffRefused, CaseUnavailable) as err:
            log.warning("edit modal for ticket %s: %s", context.ticket_id, err)
            return
        draft = card.proposed_answer or ""
        if len(draft) > MAX_MODAL_TEXT:
            # A Slack text input holds 3,000 characters: a longer draft would be sent cut.
            await self._tell_clicker(context, user, TOO_LONG_FOR_SLACK.format(card.ticket_id))
            return
        await self._open(trigger_id, edit_modal(context, draft))

    async def _open(self, trigger_id: str, view: dict[str, Any]) -> None:
        try:
            await asyncio.to_thread(self._slack.client.views_open, trigger_id=trigger_id, view=view)
        except Exception:
            log.exception("could not open a hand-off modal")

    async def _act(
        self,
        context: HandoffModalContext,
        user: str,
        kind: HandoffActionKind,
        fields: dict[str, Any],
    ) -> None:
        person = await asyncio.to_thread(self._person_for, user)
        if person is None:
            await self._tell_clicker(context, user, UNLINKED)
            return
        try:
            action = HandoffAction(
                action=kind, person=person, handoff_id=context.handoff_id, channel="slack", **fields
            )
            receipt = await act_on_handoff(self._client, context.ticket_id, action)
        except ValidationError:
            await self._tell_clicker(context, user, "That value is not an agent or a channel id.")
            return
        except HandoffRefused as refused:
            await self._tell_clicker(context, user, f"Not done: {refused.message}")
            return
        except CaseUnavailable:
            await self._tell_clicker(context, user, "The case did not answer; try again shortly.")
            return
        await self._say(context, f"<@{user}> ({person}): {receipt.message}")

    async def _save_example(
        self, context: HandoffModalContext, user: str, values: dict[str, Any]
    ) -> None:
        assert self._examples is not None
        person = await asyncio.to_thread(self._person_for, user)
        await self._examples.save(
            context, user, person, values, self._say, self._tell_clicker, UNLINKED
        )

    async def _say(self, context: HandoffModalContext, text: str) -> None:
        try:
            await asyncio.to_thread(
                self._slack.client.chat_postMessage,
                channel=context.channel,
                thread_ts=context.message_ts or None,
                text=text,
            )
        except Exception:
            log.exception("could not post a hand-off update to Slack")

    async def _tell_clicker(self, context: HandoffModalContext, user: str, text: str) -> None:
        try:
            await asyncio.to_thread(
                self._slack.client.chat_postEphemeral, channel=context.channel, user=user, text=text
            )
        except Exception:
            log.exception("could not tell a Slack user why a hand-off action was refused")


def handoff_click_handler(
    slack: SlackApprovals,
    directory: ApproverDirectory,
    temporal_client: Client,
    examples: SlackExamples | None = None,
) -> HandoffClickHandler:
    """Hand-off clicks map Slack users to people the way approval clicks do."""
    return HandoffClickHandler(
        slack=slack,
        person_for=directory.person_for,
        temporal_client=temporal_client,
        examples=examples,
    )
