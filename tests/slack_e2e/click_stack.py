"""Signed Slack clicks over loopback HTTP into real refund cases on the time-skipping server.

The stack: the production worker (real chat activities posting through slack_sdk to the fake
Slack), the real `POST /slack/interactions` router served by uvicorn with the real
`submit_decision` and a SQLite CRM, and the Stripe sandbox. The CRM's person directory
(`CrmStore.person_for_slack_user`, the Slack accounts linked by `supportflow keys create
--person P --slack-user U…`) is a dict here, injected the same way the API injects the store's.

Time stands still on the time-skipping server except while a test waits for a case's result,
so a case waits for approval as long as the test clicks, and expires in milliseconds when the
test waits for it.

Import the `click_stack` fixture (and the fixtures it needs, see `__all__`) into a test module.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.slack_approvals import REQUEST_EVENT, SlackApprovals
from integrations.slack_blocks import APPROVE_ACTION, STATUS_BLOCK
from integrations.slack_directory import ApproverDirectory
from integrations.stripe_billing import StripeBilling
from policies.loader import DEFAULT_REFUND_POLICY, load_refund_policy
from tests.loopback_api import serve_api
from tests.slack.approval_desk import click
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, SlackMessage, fake_slack
from tests.slack.slack_requests import SIGNING_SECRET, form_body, signed_headers
from tests.slack_e2e.live_desk import until
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from tests.workflows.case_factory import SeededCase
from tests.workflows.conftest import CaseRunner
from worker.api_slack import prior_decision_from
from worker.approvals import submit_decision
from worker.settings import Settings
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_interactions import INTERACTIONS_PATH, slack_interactions_router
from worker.worker_app import WorkerDeps, build_worker
from workflows.case.contract import STATUS_QUERY
from workflows.refund.contract import RefundOutcome, RefundStatus

__all__ = ["click_stack", "fake_slack", "stripe_billing", "stripe_sandbox"]

# Dual approvals may also be given by members of this Slack user group.
FINANCE_GROUP = "S0FINANCE"
BOB_PHONE = "U0BOBPHONE"  # a second Slack account of bob's, linked to him in the CRM
ALICE_SECOND = "U0ALICE2"  # another Slack account linked to alice by a person key
UNLINKED_MEMBER = "U0ZED"  # in the group, linked to nobody


@dataclass
class ClickStack:
    runner: CaseRunner
    store: CrmStore
    billing: StripeBilling
    slack: FakeSlack
    http: httpx.AsyncClient
    # The CRM's person directory: Slack user id -> person id as an admin typed it.
    links: dict[str, str] = field(default_factory=dict)
    handles: dict[str, WorkflowHandle[Any, RefundOutcome]] = field(default_factory=dict)

    async def file(self, *, amount_cents: int, requested_by: str = "agent-7") -> SeededCase:
        case = await self.runner.seed(
            self.store, self.billing, amount_cents=amount_cents, requested_by=requested_by
        )
        self.handles[case.request.ticket_id] = await self.runner.start(case.request)
        return case

    def handle(self, case: SeededCase) -> WorkflowHandle[Any, RefundOutcome]:
        """The handle `start_workflow` returned: on the time-skipping server only its `result()`
        lets time skip ahead."""
        return self.handles[case.request.ticket_id]

    async def status(self, case: SeededCase) -> RefundStatus:
        return await self.handle(case).query(STATUS_QUERY, result_type=RefundStatus)

    async def waiting(self, case: SeededCase) -> tuple[RefundStatus, SlackMessage]:
        """The case once its request is in Slack and its user group members may decide."""

        async def posted() -> tuple[RefundStatus, SlackMessage] | None:
            status = await self.status(case)
            pending = status.pending_approval
            if status.state != "awaiting_approval" or pending is None:
                return None
            message = self.request_message(pending.request_id)
            if message is None or not self.slack.calls("chat.postMessage"):
                return None
            # Group members are added to the approvers once the message is posted.
            if pending.level == "dual" and "bob" not in pending.approvers:
                return None
            return status, message

        return await until(posted, f"ticket {case.request.ticket_id} to be posted")

    def request_message(self, request_id: str) -> SlackMessage | None:
        for message in self.slack.messages():
            metadata = message.metadata or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == REQUEST_EVENT and payload.get("request_id") == (
                request_id
            ):
                return message
        return None

    async def send(self, payload: dict[str, Any], **sign: Any) -> httpx.Response:
        body = form_body(payload)
        return await self.http.post(
            INTERACTIONS_PATH, content=body, headers=signed_headers(body, **sign)
        )

    async def click(
        self, message: SlackMessage, user: str, action_id: str = APPROVE_ACTION
    ) -> httpx.Response:
        """`user` clicks on the message as Slack shows it now."""
        current = self.slack.message(message.channel, message.ts)
        response = await self.send(click(current, user, action_id))
        assert response.status_code == 200, response.text
        return response

    async def told(self, user: str, count: int = 1) -> list[str]:
        async def texts() -> list[str] | None:
            found = [e.text for e in self.slack.ephemerals() if e.user == user]
            return found if len(found) >= count else None

        return await until(texts, f"{count} ephemeral message(s) to {user}")

    def status_line(self, message: SlackMessage) -> str:
        current = self.slack.message(message.channel, message.ts)
        status = [b for b in current.blocks if b.get("block_id") == STATUS_BLOCK]
        return str(status[0]["text"]["text"]) if status else ""

    def refunds(self, case: SeededCase) -> list[int]:
        return [r.amount_cents for r in self.billing.list_refunds(case.charge_id)]


def _policy_with_finance_group(tmp_path: Path) -> Path:
    data = json.loads(DEFAULT_REFUND_POLICY.read_text())
    data["dual_approval"]["slack_user_group"] = FINANCE_GROUP
    path = tmp_path / "refund_policy.json"
    path.write_text(json.dumps(data))
    return path


@pytest_asyncio.fixture
async def click_stack(
    time_skipping_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[ClickStack]:
    fake_slack.user_groups[FINANCE_GROUP] = [BOB_PHONE, UNLINKED_MEMBER]
    links = {BOB_PHONE: "Bob", ALICE_SECOND: " alice"}
    policy_path = _policy_with_finance_group(tmp_path)
    policy = load_refund_policy(policy_path).policy

    def directory(slack: SlackApprovals) -> ApproverDirectory:
        return ApproverDirectory(policy, slack.user_group_members, person_for_slack_user=links.get)

    # The worker and the API each hold their own Slack client, as in production.
    worker_slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    api_slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(
            worker_slack,
            api_url="http://api.test",
            temporal_ui_url="http://ui.test",
            directory=directory(worker_slack),
        ),
        policy=PolicyActivities(policy_path),
    )
    handler = ApprovalClickHandler(
        slack=api_slack,
        directory=directory(api_slack),
        submit_decision=submit_decision,
        temporal_client=time_skipping_env.client,
        store=crm_store,
        record_click=crm_store.record_approval_click,
        prior_decision=prior_decision_from(crm_store),
    )
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    worker = build_worker(time_skipping_env.client, Settings(), deps=deps, task_queue=task_queue)
    runner = CaseRunner(time_skipping_env, task_queue)
    async with (
        worker,
        serve_api(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):
        yield ClickStack(runner, crm_store, stripe_billing, fake_slack, http, links)
    await runner.replay_all()
