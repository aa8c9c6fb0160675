"""An escalated ticket stays open until a person ends it: claims, resolutions, reassignments,
drafts sent or edited, refusals, SLA reminders and breaches, reopen. On the real time-skipping
server with a worker that replays every task (no cache), outcomes asserted in the CRM."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.review.handoff_steps import act, refused, waiting_for_person
from tests.triage.ticket_harness import TicketRunner
from workflows.ticket.contract import CUSTOMER_REPLY_UPDATE, CustomerReplyInput, ReplyReceipt
from workflows.ticket.review_contract import (
    HANDOFF_CARD_QUERY,
    REOPEN_UPDATE,
    HandoffCard,
    ReopenReceipt,
    ReopenRequest,
)

HUMAN = "Let me talk to a human please, not a bot."


async def test_claim_resolve_and_the_window_closes(tickets: TicketRunner, store: CrmStore) -> None:
    handle = await tickets.start(HUMAN, subject="Help")
    status = await waiting_for_person(tickets, handle)
    assert status.review is not None and status.review.state == "waiting"
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and ticket.status == "escalated"
    [notice] = ticket.outbox
    assert "taking over" in notice.body

    receipt = await act(handle, "claim", "Alice")
    assert (receipt.state, receipt.claimed_by) == ("claimed", "alice")
    assert await refused(handle, "claim", "bob") == "ClaimedByOther"
    assert await refused(handle, "resolve", "mallory", note="done") == "NotAnAgent"
    assert await refused(handle, "resolve", "alice") == "InvalidHandoffAction"  # no note
    assert await refused(handle, "send", "alice") == "NoDraft"

    await act(handle, "resolve", "alice", note="Called the customer", reply="Sorted, thanks!")
    await tickets.wait_for_state(handle, "resolved")
    assert await refused(handle, "claim", "bob") == "NotAwaitingPerson"
    [row] = store.list_handoffs(status.ticket_id)
    assert (row.state, row.ending, row.claimed_by, row.resolved_by) == (
        "resolved",
        "resolved",
        "alice",
        "alice",
    )
    assert row.claimed_at is not None and row.resolved_at is not None
    assert row.sent_text == "Sorted, thanks!" and row.edit_distance is None
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert [m.body for m in ticket.outbox][-1] == "Sorted, thanks!\n"
    actions = [(e.actor, e.action) for e in ticket.audit]
    assert ("alice", "handoff_claim") in actions and ("alice", "handoff_resolve") in actions

    outcome = await handle.result()  # the reopen window passes
    assert (outcome.state, outcome.handoff_id) == ("resolved", row.handoff_id)
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and ticket.status == "resolved"
    assert "Resolved by alice: Called the customer" in (ticket.resolution or "")
    assert len(ticket.outbox) == 2  # the notice and the person's reply, nothing at the close


async def test_reassign_then_reopen_comes_back_to_the_resolver(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(HUMAN, subject="Help")
    status = await waiting_for_person(tickets, handle)
    await act(handle, "claim", "alice")
    receipt = await act(handle, "reassign", "alice", assign_to_person="Bob")
    assert receipt.claimed_by == "bob"
    assert await refused(handle, "resolve", "alice", note="x") == "ClaimedByOther"
    receipt = await act(handle, "reassign", "bob", assign_to_channel="C0BILLING")
    assert (receipt.state, receipt.claimed_by, receipt.assigned_channel) == (
        "waiting",
        None,
        "C0BILLING",
    )
    await act(handle, "resolve", "carol", note="Explained the charge", reply="Here is why.")
    await tickets.wait_for_state(handle, "resolved")

    reopened = await handle.execute_update(
        REOPEN_UPDATE, ReopenRequest(text="It happened again."), result_type=ReopenReceipt
    )
    assert reopened.reopens == 1
    again = await waiting_for_person(tickets, handle)
    assert again.review is not None and again.review.reopened
    assert again.review.claimed_by == "carol"  # back with the person who resolved it
    assert await refused(handle, "claim", "alice") == "ClaimedByOther"
    first, second = store.list_handoffs(status.ticket_id)
    assert (first.assigned_channel, first.resolved_by, second.reopened) == (
        "C0BILLING",
        "carol",
        True,
    )
    assert store.reopen_count(status.ticket_id) == 1
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None and ticket.status == "escalated"
    assert "reopened" in ticket.outbox[-1].subject
    await act(handle, "resolve", "carol", note="Replaced the item")
    outcome = await handle.result()
    assert outcome.state == "resolved"


async def test_sla_reminds_then_breaches_and_re_escalates(
    tickets: TicketRunner, store: CrmStore, ticket_env: WorkflowEnvironment
) -> None:
    handle = await tickets.start(HUMAN, subject="Help")
    status = await waiting_for_person(tickets, handle)
    assert status.review is not None and status.review.urgency == "normal"
    await act(handle, "claim", "alice")
    # Normal urgency: reminder after 240 minutes, breach after 1440 (policies/routing_policy.json).
    await ticket_env.sleep(timedelta(minutes=241))
    reminded = await tickets.status(handle)
    assert reminded.review is not None and reminded.review.sla_reminded_at is not None
    assert reminded.review.sla_breached_at is None and reminded.review.claimed_by == "alice"
    await ticket_env.sleep(timedelta(minutes=1200))
    breached = await tickets.status(handle)
    assert breached.review is not None and breached.review.sla_breached_at is not None
    assert (breached.review.state, breached.review.claimed_by) == ("waiting", None)
    assert breached.review.assigned_channel == "C0SUPPORTESCALATIONS"
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None
    notes = [n.body for n in ticket.notes]
    assert any(n.startswith("Reminder: ticket") for n in notes)
    assert any(n.startswith("SLA breached: ticket") for n in notes)
    [row] = store.list_handoffs(status.ticket_id)
    assert row.sla_reminded_at is not None and row.sla_breached_at is not None
    # Re-escalated: anyone on the team may take it now.
    assert (await act(handle, "claim", "dave")).claimed_by == "dave"
    await act(handle, "resolve", "dave", note="Answered")
    assert (await handle.result()).state == "resolved"


async def test_what_the_customer_writes_meanwhile_goes_onto_the_card(
    tickets: TicketRunner, store: CrmStore
) -> None:
    handle = await tickets.start(HUMAN, subject="Help")
    await waiting_for_person(tickets, handle)
    receipt = await handle.execute_update(
        CUSTOMER_REPLY_UPDATE,
        CustomerReplyInput(text="It is the order from last Tuesday."),
        result_type=ReplyReceipt,
    )
    assert receipt.accepted and receipt.round == 1
    card = await handle.query(HANDOFF_CARD_QUERY, result_type=HandoffCard)
    assert card.customer_answers == ["It is the order from last Tuesday."]
    assert "last Tuesday" in card.customer_message
    await act(handle, "resolve", "bob", note="Answered")
    await tickets.wait_for_state(handle, "resolved")
    with pytest.raises(WorkflowUpdateFailedError):  # resolved: nobody is reading any more
        await handle.execute_update(
            CUSTOMER_REPLY_UPDATE, CustomerReplyInput(text="Hello?"), result_type=ReplyReceipt
        )
