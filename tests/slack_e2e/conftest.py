"""Slack approvals end to end: signed clicks over real HTTP into running refund cases.

The stack per test: the real dev server (session), the production worker in process with its
chat activities built from settings (`worker.activity_wiring.chat_activities`), the real API served by
uvicorn on loopback with `create_app` (its lifespan mounts `POST /slack/interactions` because
SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set), one fake Slack that both the worker and the
API talk to through slack_sdk, the Stripe sandbox and a SQLite CRM. Nothing is monkeypatched:
the only test doubles are the loopback Slack and Stripe servers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from policies.loader import DEFAULT_REFUND_POLICY, load_refund_policy
from tests.api_keys import CallerKeys
from tests.loopback_api import serve_api
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack
from tests.slack.slack_requests import SIGNING_SECRET
from tests.slack_e2e.live_desk import LiveDesk, WorkerSwitch
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from worker.activity_wiring import chat_activities
from worker.api import create_app
from worker.data_converter import data_converter
from worker.settings import Settings
from worker.worker_app import WORKFLOWS, WorkerDeps, build_worker

__all__ = ["fake_slack", "stripe_billing", "stripe_sandbox"]


@pytest.fixture
def policy_overrides() -> dict[str, Any]:
    """Top-level policy fields to change for a test module (the shipped policy otherwise)."""
    return {}


@pytest.fixture
def policy_path(tmp_path: Path, policy_overrides: dict[str, Any]) -> Path:
    """A copy of the shipped policy: the worker's activities and the API's approver directory
    read the same file, as they would from SUPPORTFLOW_POLICY_PATH in production."""
    data = {**json.loads(DEFAULT_REFUND_POLICY.read_text()), **policy_overrides}
    path = tmp_path / "refund_policy.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def settings(task_queue: str, tmp_path: Path, policy_path: Path, fake_slack: FakeSlack) -> Settings:
    """Slack fully configured (Request URL mode), pointed at the fake; explicit values only, so
    a developer's own environment (an SLACK_APP_TOKEN, say) cannot switch the mode."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
        SUPPORTFLOW_API_URL="http://api.test",
        TEMPORAL_UI_URL="http://127.0.0.1:8233",
        SUPPORTFLOW_POLICY_PATH=policy_path,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE=fake_slack.base_url,
        SLACK_APP_TOKEN=None,
    )


@pytest_asyncio.fixture
async def slack_worker(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> AsyncIterator[WorkerSwitch]:
    """The production worker; its chat activities post to the fake Slack as configured."""
    policy = load_refund_policy(settings.policy_path).policy
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=chat_activities(settings, policy),
        policy=PolicyActivities(settings.policy_path),
    )
    switch = WorkerSwitch(
        lambda: build_worker(dev_server_env.client, settings, deps=deps, task_queue=task_queue)
    )
    await switch.start()
    try:
        yield switch
    finally:
        await switch.stop()


@pytest_asyncio.fixture
async def desk(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,
    slack_worker: WorkerSwitch,
    api_keys: CallerKeys,
) -> AsyncIterator[LiveDesk]:
    """The API on loopback plus the helpers to drive it. Every case a test filed is replayed
    from its history at the end, so a nondeterminism the Slack path provokes fails the test."""
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    async with serve_api(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        live = LiveDesk(
            http=http,
            api_keys=api_keys,
            temporal=dev_server_env.client,
            store=crm_store,
            billing=stripe_billing,
            slack=fake_slack,
            worker=slack_worker,
        )
        yield live
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    for workflow_id in live.workflow_ids:
        history = await dev_server_env.client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history)
