"""Save as example from the Slack review card: the modal is prefilled with what the case
recorded, the clicker's corrections are saved as a labelled example under their person, and a
Slack user linked to nobody saves nothing."""

from __future__ import annotations

from integrations.crm_store import CrmStore
from integrations.slack_example_modal import (
    EXAMPLE_MODAL,
    EXAMPLE_REPLY_BLOCK,
    EXAMPLE_REPLY_INPUT,
    INTENT_BLOCK,
    INTENT_INPUT,
    ROUTE_BLOCK,
    ROUTE_INPUT,
    SAVE_EXAMPLE,
)
from tests.review.handoff_steps import waiting_for_person
from tests.review.slack_desk import CHANNEL, SlackDesk, desk, eventually
from tests.slack.fake_slack import fake_slack
from tests.slack.slack_requests import view_submission

__all__ = ["desk", "fake_slack"]


def _labels(intent: str, route: str, reply: str) -> dict[str, object]:
    return {
        INTENT_BLOCK: {
            INTENT_INPUT: {"type": "static_select", "selected_option": {"value": intent}}
        },
        ROUTE_BLOCK: {ROUTE_INPUT: {"type": "static_select", "selected_option": {"value": route}}},
        EXAMPLE_REPLY_BLOCK: {EXAMPLE_REPLY_INPUT: {"type": "plain_text_input", "value": reply}},
    }


async def test_save_as_example_through_the_modal(desk: SlackDesk, store: CrmStore) -> None:
    handle = await desk.tickets.start("Let me talk to a human please, not a bot.")
    status = await waiting_for_person(desk.tickets, handle)
    message = desk.handoff_message(status.ticket_id)
    await desk.click("U0ALICE", SAVE_EXAMPLE, message)
    await eventually(lambda: bool(desk.slack.views()), "the example modal opened")
    [opened] = desk.slack.views()
    view = opened["view"]
    assert view["callback_id"] == EXAMPLE_MODAL
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    # Prefilled with what the case recorded: triage's intent and the route it took.
    recorded_intent = blocks[INTENT_BLOCK]["element"]["initial_option"]["value"]
    assert recorded_intent == status.intent
    assert blocks[ROUTE_BLOCK]["element"]["initial_option"]["value"] == "escalate"

    reply = "Sorry for the trouble: a colleague will call you today."
    await desk.post(
        view_submission(
            user="U0NOBODY",
            callback_id=EXAMPLE_MODAL,
            private_metadata=view["private_metadata"],
            values=_labels("complaint", "escalate", reply),
        )
    )
    await eventually(lambda: len(desk.slack.ephemerals()) == 1, "the outsider is told")
    assert "not linked" in desk.slack.ephemerals()[0].text
    await desk.post(
        view_submission(
            user="U0ALICE",
            callback_id=EXAMPLE_MODAL,
            private_metadata=view["private_metadata"],
            values=_labels("complaint", "escalate", reply),
        )
    )
    await eventually(lambda: bool(store.list_labelled_examples()), "the example is saved")
    [example] = store.list_labelled_examples()
    assert (example.ticket_id, example.intent, example.route) == (
        status.ticket_id,
        "complaint",
        "escalate",
    )
    assert (example.reply, example.saved_by) == (reply, "alice")
    await eventually(
        lambda: any(
            "saved this case as example" in m.text and m.thread_ts == message.ts
            for m in desk.slack.messages(CHANNEL)
        ),
        "the thread says who saved it",
    )
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None
    assert any(a.action == "example_saved" and a.actor == "alice" for a in ticket.audit)
