"""Worker Versioning: a worker given a deployment and build id polls as that version, and each
case records the behaviour its workflow type declares (refund PINNED, ticket AUTO_UPGRADE)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.api.enums.v1 import VersioningBehavior as WireBehavior
from temporalio.api.workflowservice.v1 import SetWorkerDeploymentCurrentVersionRequest
from temporalio.client import Client
from temporalio.common import RawValue, VersioningBehavior
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.workflow import _Definition

from activities.policy import PolicyActivities
from worker.versioning import VersioningConfigError, deployment_config, registered_workflows
from worker.worker_app import WORKFLOWS
from workflows.refund.contract import RefundRequest
from workflows.refund.workflow import RefundWorkflow
from workflows.ticket.workflow import TicketWorkflow

EXPECTED = {
    "RefundWorkflow": VersioningBehavior.PINNED,
    "BillingDisputeWorkflow": VersioningBehavior.PINNED,
    "TicketWorkflow": VersioningBehavior.AUTO_UPGRADE,
    "ChargebackWorkflow": VersioningBehavior.AUTO_UPGRADE,
    "OnboardingWorkflow": VersioningBehavior.AUTO_UPGRADE,
    "DeliveryWorkflow": VersioningBehavior.AUTO_UPGRADE,
    "HelpCenterIngestWorkflow": VersioningBehavior.AUTO_UPGRADE,
}


def test_an_unversioned_worker_registers_the_plain_workflows() -> None:
    assert deployment_config(None, None) is None
    assert registered_workflows(WORKFLOWS, None) == WORKFLOWS


@pytest.mark.parametrize(("name", "build"), [("supportflow", None), (None, "b1")])
def test_half_a_deployment_is_refused(name: str | None, build: str | None) -> None:
    with pytest.raises(VersioningConfigError, match="both"):
        deployment_config(name, build)


def test_every_registered_type_declares_its_behaviour() -> None:
    config = deployment_config("supportflow", "2026-12-05.1")
    chosen = registered_workflows(WORKFLOWS, config)
    declared = {
        _Definition.must_from_class(c).name: _Definition.must_from_class(c).versioning_behavior
        for c in chosen
    }
    # A process added to the registry must choose (and docs/operations.md must say why).
    assert declared == EXPECTED


@activity.defn(dynamic=True)
def no_crm_here(_: Sequence[RawValue]) -> None:
    """Every other activity: refused, so the case moves on to a workflow task that completes."""
    raise ApplicationError("not in this test", non_retryable=True)


async def _set_current(client: Client, deployment: str, build: str) -> None:
    for _ in range(100):  # the version exists once the worker has polled
        try:
            await client.workflow_service.set_worker_deployment_current_version(
                SetWorkerDeploymentCurrentVersionRequest(
                    namespace=client.namespace, deployment_name=deployment, build_id=build
                )
            )
            return
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"{deployment}.{build} never became a version")


async def _first_task_completion(client: Client, workflow_id: str) -> object:
    handle = client.get_workflow_handle(workflow_id)
    for _ in range(100):
        async for event in handle.fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                return event.workflow_task_completed_event_attributes
        await asyncio.sleep(0.1)
    raise AssertionError(f"{workflow_id} never completed a workflow task")


async def test_cases_record_the_version_and_behaviour_they_ran_with(
    dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_server_env.client
    deployment, build = f"supportflow-{uuid.uuid4().hex[:6]}", "build-1"
    config = deployment_config(deployment, build)
    workflows = registered_workflows([RefundWorkflow, TicketWorkflow], config)
    # Only the policy (a local activity of the first task): that task is all this test needs.
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=workflows,
        activities=[PolicyActivities().load_refund_policy, no_crm_here],
        activity_executor=ThreadPoolExecutor(max_workers=2),
        deployment_config=config,
    ):
        await _set_current(client, deployment, build)
        request = RefundRequest(
            ticket_id=f"T-v-{uuid.uuid4().hex[:6]}", customer_id="cus_v", order_id="ord_v"
        )
        refund_id = f"ticket-{request.ticket_id}"
        await client.start_workflow(
            RefundWorkflow.run, request, id=refund_id, task_queue=task_queue
        )
        completed = await _first_task_completion(client, refund_id)
        with contextlib.suppress(RPCError):  # the refused activities may have ended it already
            await client.get_workflow_handle(refund_id).terminate("test over")
    assert completed.versioning_behavior == WireBehavior.VERSIONING_BEHAVIOR_PINNED
    version = completed.deployment_version
    assert (version.deployment_name, version.build_id) == (deployment, build)
