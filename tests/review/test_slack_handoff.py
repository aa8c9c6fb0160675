"""The hand-off message in Slack has buttons; a click is a person acting on the case.

A real worker posts hand-offs to a loopback Slack that follows Slack's Web API; the real
interactions endpoint (signature checked) is served over loopback HTTP; clicks are signed
`block_actions` and `view_submission` payloads as Slack sends them. The Slack user is mapped to
a person by the policy listing (U0ALICE is alice); the workflow's validator decides.
"""

from __future__ import annotations

import asyncio
import json

from integrations.crm_store import CrmStore
from integrations.slack_handoff_card import CLAIM, EDIT, EDIT_MODAL, REPLY_BLOCK, REPLY_INPUT
from tests.review.handoff_steps import waiting_for_person
from tests.review.slack_desk import CHANNEL, SlackDesk, desk, eventually
from tests.slack.fake_slack import fake_slack
from tests.slack.slack_requests import (
    view_submission,
)

__all__ = ["desk", "fake_slack"]


async def test_claim_button_claims_as_the_clicker(desk: SlackDesk) -> None:
    handle = await desk.tickets.start("Let me talk to a human please, not a bot.")
    status = await waiting_for_person(desk.tickets, handle)
    message = desk.handoff_message(status.ticket_id)
    [actions] = [b for b in message.blocks if b.get("type") == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [
        "handoff_claim",
        "handoff_reassign",
        "handoff_save_example",
    ]

    await desk.click("U0ALICE", CLAIM, message)

    async def claimed_by() -> str | None:
        current = await desk.tickets.status(handle)
        return current.review.claimed_by if current.review else None

    for _ in range(200):
        if await claimed_by() == "alice":
            break
        await asyncio.sleep(0.05)
    assert await claimed_by() == "alice"
    await eventually(
        lambda: any(m.thread_ts == message.ts for m in desk.slack.messages(CHANNEL)),
        "the thread says who claimed it",
    )
    await desk.click("U0BOB", CLAIM, message)
    await desk.click("U0NOBODY", CLAIM, message)
    await eventually(lambda: len(desk.slack.ephemerals()) == 2, "both refusals told")
    bob, nobody = sorted(desk.slack.ephemerals(), key=lambda e: e.user)
    assert bob.user == "U0BOB" and "claimed by alice" in bob.text
    assert nobody.user == "U0NOBODY" and "not linked" in nobody.text
    assert (await desk.tickets.status(handle)).review.claimed_by == "alice"  # type: ignore[union-attr]


async def test_edit_and_send_through_the_modal(desk: SlackDesk, store: CrmStore) -> None:
    handle = await desk.tickets.start("Do you have a size guide for the dog harnesses?")
    status = await waiting_for_person(desk.tickets, handle)
    message = desk.handoff_message(status.ticket_id)
    await desk.click("U0CAROL", EDIT, message)
    await eventually(lambda: bool(desk.slack.views()), "the edit modal opened")
    [opened] = desk.slack.views()
    view = opened["view"]
    assert view["callback_id"] == EDIT_MODAL
    draft = view["blocks"][0]["element"]["initial_value"]
    assert draft and status.handoff is not None and draft == status.handoff.draft_reply
    edited = draft + "\n\nPS: the guide is on each harness page."
    values = {REPLY_BLOCK: {REPLY_INPUT: {"type": "plain_text_input", "value": edited}}}
    await desk.post(
        view_submission(
            user="U0CAROL",
            callback_id=EDIT_MODAL,
            private_metadata=view["private_metadata"],
            values=values,
        )
    )
    await desk.tickets.wait_for_state(handle, "resolved")
    [row] = store.list_handoffs(status.ticket_id)
    assert (row.ending, row.resolved_by, row.sent_text) == ("edited", "carol", edited)
    assert row.edit_distance is not None and row.edit_distance > 0
    assert json.loads(view["private_metadata"])["ticket_id"] == status.ticket_id
