"""A draft held for review is sent, edited then sent, or rejected; a person hands a case back to
automation (a reply, a question for the customer, a registered process). Real time-skipping
server, outcomes in the CRM and in the child workflow's recorded input."""

from __future__ import annotations

from integrations.crm_store import CrmStore
from tests.review.handoff_steps import act, refused, waiting_for_person
from tests.triage.ticket_harness import TicketRunner
from workflows.ticket.contract import CUSTOMER_REPLY_UPDATE, CustomerReplyInput, ReplyReceipt
from workflows.ticket.review_contract import HANDOFF_CARD_QUERY, HandoffCard

UNSURE = "Do you have a size guide for the dog harnesses?"
HUMAN = "Let me talk to a human please, not a bot."


async def test_review_card_and_edit_and_send(tickets: TicketRunner, store: CrmStore) -> None:
    handle = await tickets.start(UNSURE, subject="Harness sizes")
    status = await waiting_for_person(tickets, handle)
    card = await handle.query(HANDOFF_CARD_QUERY, result_type=HandoffCard)
    assert card.proposed_answer and card.sources, card.escalation_reason
    assert card.customer_message.startswith("Harness sizes") and UNSURE in card.customer_message
    assert card.escalation_reason.startswith("The drafted answer needs review")
    assert card.answer_confidence is not None and card.triage_confidence is not None
    assert card.action_plan and card.recommended_next_step
    assert {"send", "edit_send", "reject"} <= set(card.allowed_actions)

    draft = card.proposed_answer
    edited = draft.replace("Hi", "Hello", 1) + "\nThe guide is on each harness page."
    await act(handle, "edit_send", "erin", reply=edited, handoff_id=card.handoff_id)
    await tickets.wait_for_state(handle, "resolved")
    [row] = store.list_handoffs(status.ticket_id)
    assert (row.ending, row.draft_text, row.sent_text) == ("edited", draft, edited)
    assert row.edit_distance is not None and 0 < row.edit_distance < 0.5
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and ticket.outbox[-1].body == edited + "\n"


async def test_send_as_is_and_a_stale_card_is_refused(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(UNSURE)
    status = await waiting_for_person(tickets, handle)
    assert await refused(handle, "send", "erin", handoff_id="not-this-one") == "StaleHandoff"
    await act(handle, "send", "erin")
    await tickets.wait_for_state(handle, "resolved")
    [row] = store.list_handoffs(status.ticket_id)
    assert row.ending == "sent" and row.edit_distance == 0.0
    assert row.sent_text == row.draft_text


async def test_reject_keeps_the_case_with_the_person(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(UNSURE)
    status = await waiting_for_person(tickets, handle)
    receipt = await act(handle, "reject", "bob", note="Wrong article")
    assert (receipt.state, receipt.claimed_by) == ("claimed", "bob")
    assert await refused(handle, "send", "bob") == "NoDraft"
    card = await handle.query(HANDOFF_CARD_QUERY, result_type=HandoffCard)
    assert card.proposed_answer is None and "send" not in card.allowed_actions
    await act(
        handle,
        "resolve",
        "bob",
        note="Wrote my own",
        reply="The size guide is on each harness page.",
    )
    await tickets.wait_for_state(handle, "resolved")
    [row] = store.list_handoffs(status.ticket_id)
    assert row.draft_rejected and row.ending == "resolved" and row.edit_distance is None


async def test_hand_back_a_reply(tickets: TicketRunner, store: CrmStore) -> None:
    handle = await tickets.start(HUMAN)
    status = await waiting_for_person(tickets, handle)
    instruction = {"kind": "send_reply", "reply": "A refund is not possible after a year."}
    await act(handle, "handback", "alice", instruction=instruction)
    await tickets.wait_for_state(handle, "resolved")
    [row] = store.list_handoffs(status.ticket_id)
    assert (row.state, row.ending, row.resolved_by) == ("handed_back", "replied", "alice")
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and "after a year" in ticket.outbox[-1].body


async def test_hand_back_a_question_returns_the_answer_to_the_person(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(HUMAN)
    status = await waiting_for_person(tickets, handle)
    await act(handle, "claim", "alice")
    question = {"kind": "ask_customer", "question": "Which colour did you order?"}
    await act(handle, "handback", "alice", instruction=question)
    await tickets.wait_for_state(handle, "awaiting_customer")
    assert await refused(handle, "resolve", "alice", note="x") == "NotAwaitingPerson"
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and "Which colour" in ticket.outbox[-1].body
    receipt = await handle.execute_update(
        CUSTOMER_REPLY_UPDATE, CustomerReplyInput(text="The blue one."), result_type=ReplyReceipt
    )
    assert receipt.accepted
    back = await waiting_for_person(tickets, handle)
    assert back.review is not None and back.review.state == "claimed"
    assert back.review.customer_answers == ["The blue one."]
    card = await handle.query(HANDOFF_CARD_QUERY, result_type=HandoffCard)
    assert "The blue one." in card.customer_message


async def test_hand_back_an_unknown_process_or_without_order_is_refused(
    tickets: TicketRunner,
) -> None:
    handle = await tickets.start(HUMAN)
    await waiting_for_person(tickets, handle)
    nothing = {"kind": "start_process", "process": "onboarding", "order_id": "ord_1"}
    assert await refused(handle, "handback", "alice", instruction=nothing) == "InvalidHandoffAction"
    no_order = {"kind": "start_process", "process": "refund"}
    assert (
        await refused(handle, "handback", "alice", instruction=no_order) == "InvalidHandoffAction"
    )
    assert await refused(handle, "handback", "alice") == "InvalidHandoffAction"


async def test_hand_back_starts_the_refund_as_the_person(tickets: TicketRunner) -> None:
    handle = await tickets.start(HUMAN)
    await waiting_for_person(tickets, handle)
    instruction = {"kind": "start_process", "process": "refund", "order_id": "ord_5001"}
    await act(handle, "handback", "Alice", instruction=instruction)
    outcome = await handle.result()
    assert (outcome.state, outcome.route) == ("resolved", "start_process")
    assert outcome.process_workflow_id is not None
    assert "-handoff-" in outcome.process_workflow_id
    child = await tickets.child_input(outcome.process_workflow_id)
    # The person who handed back requests the refund, so they cannot approve it themselves;
    # the amount is the refund policy's to decide from the charge.
    assert (child.order_id, child.requested_by, child.requested_amount_cents) == (
        "ord_5001",
        "alice",
        None,
    )


async def test_a_process_that_needs_a_person_opens_the_ticket_hand_off(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(
        "The kettle from order ord_5001 arrived broken, refund please.", subject="[escalate]"
    )
    status = await waiting_for_person(tickets, handle)
    assert status.process_workflow_id is not None
    card = await handle.query(HANDOFF_CARD_QUERY, result_type=HandoffCard)
    assert card.escalation_reason == (
        "The refund process needs a person: the charge was disputed meanwhile"
    )
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None
    assert not [m for m in ticket.outbox if "taking over" in m.body]  # the process told them
    await act(handle, "resolve", "dave", note="Answered the dispute")
    assert (await handle.result()).state == "resolved"
