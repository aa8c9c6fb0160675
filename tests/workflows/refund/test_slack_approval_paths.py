"""Approval paths with Slack configured, on the time-skipping server: the real chat activities
post through slack_sdk to the loopback fake Slack, while decisions arrive as Updates.
Reminder, escalation and expiry take hours of server time and run in milliseconds here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from activities.chat import ChatActivities
from activities.policy import PolicyActivities
from integrations.crm_store.store import CrmStore
from integrations.slack_approvals import SlackApprovals
from integrations.slack_directory import ApproverDirectory
from integrations.stripe_billing import StripeBilling
from policies.loader import DEFAULT_REFUND_POLICY, load_refund_policy
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack  # noqa: F401
from tests.workflows.conftest import CaseRunner
from tests.workflows.refund.test_refund_workflow import decide, refused, wait_for_state
from worker.settings import Settings
from worker.worker_app import WorkerDeps, build_worker

T = TypeVar("T")


@pytest.fixture
def policy_path(tmp_path: Path) -> Path:
    """The shipped policy, plus a Slack user group that may decide single approvals."""
    data = json.loads(DEFAULT_REFUND_POLICY.read_text())
    data["single_approval"]["slack_user_group"] = "S0REFUNDERS"
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(data))
    return path


@pytest_asyncio.fixture
async def slack_cases(
    time_skipping_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
    policy_path: Path,
    task_queue: str,
) -> AsyncIterator[CaseRunner]:
    fake_slack.user_groups["S0REFUNDERS"] = ["U0ZED", "U0BOB"]
    slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    policy = load_refund_policy(policy_path).policy
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=ChatActivities(
            slack,
            api_url="http://api.test",
            temporal_ui_url="http://ui.test",
            # U0ZED is in the group but not in the policy: their account is linked to "Zed".
            directory=ApproverDirectory(
                policy,
                slack.user_group_members,
                person_for_slack_user={"U0ZED": "Zed"}.get,
            ),
        ),
        policy=PolicyActivities(policy_path),
    )
    worker = build_worker(time_skipping_env.client, Settings(), deps=deps, task_queue=task_queue)
    runner = CaseRunner(time_skipping_env, task_queue)
    async with worker:
        yield runner
    await runner.replay_all()


def texts(fake: FakeSlack, channel: str) -> list[str]:
    return [m.text for m in fake.messages(channel)]


async def test_request_is_posted_once_and_approval_updates_it(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=18_000)
    handle = await slack_cases.start(case.request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    await decide(handle, request_id=pending.request_id, approver="alice", decision="approve")
    outcome = await handle.result()

    assert outcome.state == "resolved"
    assert len(stripe_billing.list_refunds(case.charge_id)) == 1
    posts = fake_slack.calls("chat.postMessage")
    assert [c.args["channel"] for c in posts] == ["C0REFUNDS"]
    message = fake_slack.messages("C0REFUNDS")[0]
    assert "Approved" in message.text
    assert not any(b.get("type") == "actions" for b in message.blocks)  # buttons are gone
    approval = crm_store.get_ticket(case.request.ticket_id).approvals[0]  # type: ignore[union-attr]
    assert (approval.slack_channel, approval.slack_ts) == ("C0REFUNDS", message.ts)


async def test_dual_control_shows_progress_and_keeps_buttons(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=75_000)
    handle = await slack_cases.start(case.request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    await decide(handle, request_id=pending.request_id, approver="alice", decision="approve")
    message = await until(
        lambda: next((m for m in fake_slack.messages("C0FINANCE") if m.edited), None)
    )
    assert "1 of 2" in message.text
    assert any(b.get("type") == "actions" for b in message.blocks)
    assert stripe_billing.list_refunds(case.charge_id) == []

    await decide(handle, request_id=pending.request_id, approver="dave", decision="approve")
    assert (await handle.result()).state == "resolved"
    assert len(stripe_billing.list_refunds(case.charge_id)) == 1


async def test_reminder_escalation_then_expiry_never_refunds(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=18_000)
    handle = await slack_cases.start(case.request)
    await wait_for_state(handle, "awaiting_approval")
    outcome = await handle.result()  # skips the 4 h reminder and the 24 h expiry

    assert outcome.state == "expired"
    assert stripe_billing.list_refunds(case.charge_id) == []
    original, reminder = fake_slack.messages("C0REFUNDS")
    assert reminder.thread_ts == original.ts and "Reminder" in reminder.text
    (escalated,) = fake_slack.messages("C0SUPPORTLEADS")
    for message in (original, escalated):
        assert "Expired" in message.text
        assert not any(b.get("type") == "actions" for b in message.blocks)


async def test_escalated_level_can_decide_after_the_reminder(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    time_skipping_env: WorkflowEnvironment,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=18_000)
    handle = await slack_cases.start(case.request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    assert (
        await refused(handle, request_id=pending.request_id, approver="erin", decision="approve")
        == "NotAnApprover"
    )

    await time_skipping_env.sleep(timedelta(hours=5))
    status = await wait_for_state(handle, "awaiting_approval")
    assert status.pending_approval is not None and status.pending_approval.reminded
    await decide(handle, request_id=pending.request_id, approver="erin", decision="approve")

    assert (await handle.result()).state == "resolved"
    assert len(stripe_billing.list_refunds(case.charge_id)) == 1
    assert "Approved" in fake_slack.messages("C0SUPPORTLEADS")[0].text


async def test_user_group_member_may_decide_but_counts_once(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> None:
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=18_000)
    handle = await slack_cases.start(case.request)
    await wait_for_state(handle, "awaiting_approval")

    async def widened():  # group members are added once the message is posted
        p = (await wait_for_state(handle, "awaiting_approval")).pending_approval
        return p if p and "zed" in p.approvers else None

    pending = await until_async(widened)
    # Group members decide as their person; U0BOB is listed by Slack id as bob, so the group
    # adds no second identity for him.
    assert not any(a.startswith("slack:") for a in pending.approvers)
    assert pending.approvers.count("bob") == 1
    await decide(handle, request_id=pending.request_id, approver="Zed", decision="approve")
    assert (await handle.result()).state == "resolved"


async def test_slack_outage_does_not_block_the_case(
    slack_cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    fake_slack.fail_next("chat.postMessage", "invalid_auth", times=50)
    fake_slack.fail_next("conversations.history", "invalid_auth", times=50)
    case = await slack_cases.seed(crm_store, stripe_billing, amount_cents=18_000)
    handle = await slack_cases.start(case.request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    await decide(handle, request_id=pending.request_id, approver="alice", decision="approve")
    assert (await handle.result()).state == "resolved"
    assert len(stripe_billing.list_refunds(case.charge_id)) == 1
    ticket = crm_store.get_ticket(case.request.ticket_id)
    assert ticket is not None
    assert any(e.action == "chat_failed" and "invalid_auth" in e.detail for e in ticket.audit)


async def until(probe: Callable[[], T | None], tries: int = 200) -> T:
    for _ in range(tries):
        found = probe()
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")


async def until_async(probe: Callable[[], Awaitable[T | None]], tries: int = 200) -> T:
    for _ in range(tries):
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("condition never held")
