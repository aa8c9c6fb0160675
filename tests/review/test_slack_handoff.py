"""The hand-off message in Slack has buttons; a click is a person acting on the case.

A real worker posts hand-offs to a loopback Slack that follows Slack's Web API; the real
interactions endpoint (signature checked) is served over loopback HTTP; clicks are signed
`block_actions` and `view_submission` payloads as Slack sends them. The Slack user is mapped to
a person by the policy listing (U0ALICE is alice); the workflow's validator decides.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.crm import CrmActivities
from activities.knowledge import KnowledgeActivities
from activities.triage import TriageActivities
from integrations.crm_store import CrmStore
from integrations.slack_approvals import SlackApprovals
from integrations.slack_directory import ApproverDirectory
from integrations.slack_handoff_card import CLAIM, EDIT, EDIT_MODAL, REPLY_BLOCK, REPLY_INPUT
from policies.loader import load_refund_policy
from tests.loopback_api import serve_api
from tests.review.handoff_steps import end_open_cases, waiting_for_person
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, SlackMessage, fake_slack
from tests.slack.slack_requests import (
    SIGNING_SECRET,
    block_actions,
    form_body,
    signed_headers,
    view_submission,
)
from tests.triage.ticket_harness import TicketRunner
from worker.settings import Settings
from worker.slack_handoff_clicks import HandoffClickHandler, handoff_click_handler
from worker.slack_interactions import INTERACTIONS_PATH, slack_interactions_router
from worker.ticket_activities import ticket_activity_list
from workflows.ticket.workflow import TicketWorkflow

__all__ = ["fake_slack"]
CHANNEL = "C0SUPPORTLEADS"  # the routing policy's hand-off channel


class SlackDesk:
    def __init__(self, tickets: TicketRunner, slack: FakeSlack, http: httpx.AsyncClient) -> None:
        self.tickets, self.slack, self.http = tickets, slack, http

    def handoff_message(self, ticket_id: str) -> SlackMessage:
        [message] = [m for m in self.slack.messages(CHANNEL) if ticket_id in m.text]
        return message

    async def click(self, user: str, action_id: str, message: SlackMessage) -> None:
        [actions] = [b for b in message.blocks if b.get("type") == "actions"]
        [button] = [e for e in actions["elements"] if e["action_id"] == action_id]
        payload = block_actions(
            user=user,
            action_id=action_id,
            value=button["value"],
            channel=message.channel,
            message_ts=message.ts,
            blocks=message.blocks,
        )
        await self.post(payload)

    async def post(self, payload: dict[str, Any]) -> None:
        body = form_body(payload)
        response = await self.http.post(
            INTERACTIONS_PATH, content=body, headers=signed_headers(body)
        )
        assert response.status_code == 200, response.text


async def eventually(check: Callable[[], bool], what: str) -> None:
    for _ in range(400):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


@pytest_asyncio.fixture
async def desk(
    ticket_env: WorkflowEnvironment,
    task_queue: str,
    store: CrmStore,
    knowledge: KnowledgeActivities,
    fake_slack: FakeSlack,
) -> AsyncIterator[SlackDesk]:
    client = ticket_env.client
    worker_slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    api_slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    crm = CrmActivities(store)
    activities = [
        crm.open_case,
        crm.record_case_outcome,
        crm.record_audit,
        *ticket_activity_list(
            store, Settings(), slack=worker_slack, triage=TriageActivities(), knowledge=knowledge
        ),
    ]
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[TicketWorkflow],
        activities=activities,
        activity_executor=ThreadPoolExecutor(max_workers=8),
        max_cached_workflows=0,
    )
    directory = ApproverDirectory(load_refund_policy().policy, api_slack.user_group_members)
    handler: HandoffClickHandler = handoff_click_handler(api_slack, directory, client)
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    tickets = TicketRunner(client, task_queue, store)
    async with worker, serve_api(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        yield SlackDesk(tickets, fake_slack, http)
        await end_open_cases(tickets)
    await tickets.replay_all([TicketWorkflow])


async def test_claim_button_claims_as_the_clicker(desk: SlackDesk) -> None:
    handle = await desk.tickets.start("Let me talk to a human please, not a bot.")
    status = await waiting_for_person(desk.tickets, handle)
    message = desk.handoff_message(status.ticket_id)
    [actions] = [b for b in message.blocks if b.get("type") == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == ["handoff_claim", "handoff_reassign"]

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
    handle = await desk.tickets.start("Do you sponsor school fundraising events in Ohio?")
    status = await waiting_for_person(desk.tickets, handle)
    message = desk.handoff_message(status.ticket_id)
    await desk.click("U0CAROL", EDIT, message)
    await eventually(lambda: bool(desk.slack.views()), "the edit modal opened")
    [opened] = desk.slack.views()
    view = opened["view"]
    assert view["callback_id"] == EDIT_MODAL
    draft = view["blocks"][0]["element"]["initial_value"]
    assert draft and status.handoff is not None and draft == status.handoff.draft_reply
    edited = draft + "\n\nPS: we do not sponsor events."
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
