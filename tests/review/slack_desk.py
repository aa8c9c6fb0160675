"""A worker that posts hand-offs to a loopback Slack, and the real interactions endpoint served
over loopback HTTP, for tests that click hand-off buttons as Slack sends them."""

from __future__ import annotations

import asyncio
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
from policies.loader import load_refund_policy, load_routing_policy
from tests.loopback_api import serve_api
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, SlackMessage
from tests.slack.slack_requests import SIGNING_SECRET, block_actions, form_body, signed_headers
from tests.triage.ticket_harness import TicketRunner, end_open_cases
from worker.settings import Settings
from worker.slack_example_clicks import SlackExamples
from worker.slack_handoff_clicks import HandoffClickHandler, handoff_click_handler
from worker.slack_interactions import INTERACTIONS_PATH, slack_interactions_router
from worker.ticket_activities import ticket_activity_list
from workflows.ticket.workflow import TicketWorkflow

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
    examples = SlackExamples(store, load_routing_policy().policy)
    handler: HandoffClickHandler = handoff_click_handler(api_slack, directory, client, examples)
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    tickets = TicketRunner(client, task_queue, store)
    async with worker, serve_api(app) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        yield SlackDesk(tickets, fake_slack, http)
        await end_open_cases(tickets)
    await tickets.replay_all([TicketWorkflow])
