"""The approval step while the last approval is being confirmed (CI failure on 2026-12-01).

A click that lands while the approval message is still being posted and recorded completes the
approvals, and the gate holds in `confirming` while the workflow re-checks the action. If the step
records the decisions in that window, the decision is stored as `pending` and the message is
updated to "1 of 1 approvals" after the approver was told "Approved". The step must wait for the
confirmation and record the decision once, as approved.

The activities are held on asyncio events so the interleaving is exact, not a timing accident:
post held → decision accepted → re-check held → post released → the workflow has handled the
recorded message → re-check released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateStage
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.models import (
    ApprovalDecisionRecord,
    ApprovalMessageRecord,
    ApprovalMessageRef,
    ApprovalMessageUpdate,
    ApprovalNotice,
    ChatPostResult,
)
from worker.data_converter import data_converter
from workflows.case.approval_gate import ApprovalGate
from workflows.case.approval_step import ApprovalStep
from workflows.case.contract import ApprovalDecision, ApprovalReceipt, PendingApproval

REQUEST_ID = "req-confirming"


@workflow.defn(name="ConfirmingApprovalProbe", sandboxed=False)
class ConfirmingApprovalProbe:
    """A minimal money case: one approval, confirmed by a re-check activity before it counts."""

    def __init__(self) -> None:
        self._gate = ApprovalGate()

    @workflow.update
    async def decide(self, decision: ApprovalDecision) -> ApprovalReceipt:
        self._gate.apply(decision, workflow.now(), confirm=self._gate.completes(decision))
        if self._gate.status == "confirming":
            await workflow.execute_activity(
                "recheck_action", start_to_close_timeout=timedelta(seconds=30)
            )
            self._gate.confirm_action(None)
        return self._gate.receipt(decision)

    @decide.validator
    def _validate(self, decision: ApprovalDecision) -> None:
        self._gate.validate(decision, workflow.now())

    @workflow.run
    async def run(self, notice: ApprovalNotice) -> str:
        now = workflow.now()
        self._gate.open(
            PendingApproval(
                request_id=notice.request_id,
                level=notice.level,
                amount_cents=notice.amount_cents,
                currency=notice.currency,
                charge_id="ch_probe",
                required_approvals=1,
                approvers=["alice"],
                requested_by="system",
                rule=notice.rule,
                reason=notice.reason,
                expires_at=now + timedelta(hours=24),
            )
        )
        step = ApprovalStep(self._gate, notice, lambda actor, action, detail: None)
        await step.run(now + timedelta(hours=4), now + timedelta(hours=24), None)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._gate.status


@dataclass
class HeldActivities:
    post_reached: asyncio.Event = field(default_factory=asyncio.Event)
    post_release: asyncio.Event = field(default_factory=asyncio.Event)
    recheck_reached: asyncio.Event = field(default_factory=asyncio.Event)
    recheck_release: asyncio.Event = field(default_factory=asyncio.Event)
    recorded: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)

    @activity.defn(name="post_approval_request")
    async def post(self, notice: ApprovalNotice) -> ChatPostResult:
        self.post_reached.set()
        await self.post_release.wait()
        return ChatPostResult(
            ref=ApprovalMessageRef(channel="C0REFUNDS", ts="1.0"), delivered_via="slack"
        )

    @activity.defn(name="set_approval_message")
    async def set_message(self, data: ApprovalMessageRecord) -> None:
        return None

    @activity.defn(name="recheck_action")
    async def recheck(self) -> None:
        self.recheck_reached.set()
        await self.recheck_release.wait()

    @activity.defn(name="record_approval_decision")
    async def record(self, data: ApprovalDecisionRecord) -> None:
        self.recorded.append(data.final_status)

    @activity.defn(name="update_approval_message")
    async def show(self, update: ApprovalMessageUpdate) -> None:
        self.shown.append(update.status)


@pytest_asyncio.fixture
async def probe(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> AsyncIterator[tuple[WorkflowEnvironment, HeldActivities]]:
    held = HeldActivities()
    async with Worker(
        dev_server_env.client,
        task_queue=task_queue,
        workflows=[ConfirmingApprovalProbe],
        activities=[held.post, held.set_message, held.recheck, held.record, held.show],
        activity_executor=ThreadPoolExecutor(4),
        max_cached_workflows=0,
    ):
        yield dev_server_env, held


def _notice(workflow_id: str) -> ApprovalNotice:
    return ApprovalNotice(
        ticket_id="T-CONFIRM",
        workflow_id=workflow_id,
        request_id=REQUEST_ID,
        level="single",
        channel="C0REFUNDS",
        customer_id="cus_probe",
        customer_name="Dana Test",
        customer_tier="standard",
        subject="Refund",
        order_id="ord_probe",
        amount_cents=18_000,
        currency="usd",
        refundable_cents=18_000,
        rule="single_approval",
        reason="above the auto-approve limit",
        recommended_action="approve",
        required_approvals=1,
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


async def _handled_after_message_recorded(handle: WorkflowHandle) -> None:
    """Until a workflow task completed after `set_approval_message` did: by then the workflow
    has decided what follows the recorded message."""
    for _ in range(400):
        events = [e async for e in handle.fetch_history_events()]
        scheduled = {
            e.event_id
            for e in events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
            and e.activity_task_scheduled_event_attributes.activity_type.name
            == "set_approval_message"
        }
        done = [
            e.event_id
            for e in events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            and e.activity_task_completed_event_attributes.scheduled_event_id in scheduled
        ]
        if done and any(
            e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED and e.event_id > done[0]
            for e in events
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the workflow never handled the recorded approval message")


async def test_an_approval_confirmed_late_is_recorded_once_as_approved(
    probe: tuple[WorkflowEnvironment, HeldActivities], task_queue: str
) -> None:
    env, held = probe
    workflow_id = f"probe-{task_queue}"
    handle = await env.client.start_workflow(
        ConfirmingApprovalProbe.run, _notice(workflow_id), id=workflow_id, task_queue=task_queue
    )
    await asyncio.wait_for(held.post_reached.wait(), 30)

    decision = ApprovalDecision(request_id=REQUEST_ID, approver="alice", decision="approve")
    update = await handle.start_update(
        ConfirmingApprovalProbe.decide,
        decision,
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
        result_type=ApprovalReceipt,
    )
    await asyncio.wait_for(held.recheck_reached.wait(), 30)

    held.post_release.set()
    await _handled_after_message_recorded(handle)
    # Nothing may be recorded or shown while the approval is still being confirmed.
    assert held.recorded == [] and held.shown == []

    held.recheck_release.set()
    receipt = await update.result()
    assert receipt.status == "approved"
    assert await handle.result() == "approved"
    assert held.recorded == ["approved"]
    assert held.shown == ["approved"]

    replayer = Replayer(workflows=[ConfirmingApprovalProbe], data_converter=data_converter())
    await replayer.replay_workflow(await handle.fetch_history())
