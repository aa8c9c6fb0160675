"""A ticket saying "I want to sign up" is triaged to the signup intent, which starts onboarding as
the ticket's child under the id the onboarding API finds it by; the customer's own email is not
"in use" for their upgrade, and the ticket ends with the signup."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from integrations.crm_onboarding import OnboardingCrm
from integrations.crm_store import CrmStore, CustomerView
from integrations.stripe_onboarding import StripeOnboarding
from tests.onboarding.conftest import ADDRESS, CONTACT, PAYMENT, PLAN, Signups
from tests.triage.ticket_harness import TicketRunner, demo_knowledge, ticket_worker
from worker.worker_app import WorkerDeps, activity_list
from workflows.onboarding.contract import onboarding_workflow_id
from workflows.onboarding.workflow import OnboardingWorkflow
from workflows.refund.workflow import RefundWorkflow
from workflows.ticket.workflow import TicketWorkflow


@pytest_asyncio.fixture
async def tickets(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    crm_store: CrmStore,
    worker_deps: WorkerDeps,
    signup_stripe: StripeOnboarding,
    catalogue: None,
    tmp_path: Path,
) -> AsyncIterator[TicketRunner]:
    deps = replace(worker_deps, signup_billing=signup_stripe)
    async with ticket_worker(
        time_skipping_env.client,
        task_queue,
        crm_store,
        demo_knowledge(tmp_path),
        workflows=[TicketWorkflow, RefundWorkflow, OnboardingWorkflow],
        extra_activities=lambda: activity_list(deps),
    ) as runner:
        yield runner


async def test_a_signup_ticket_starts_onboarding_for_the_customer(
    tickets: TicketRunner, time_skipping_env: WorkflowEnvironment, crm_store: CrmStore
) -> None:
    crm_store.add_customer(
        CustomerView(id="cus_up", name="Uma", email="uma@example.com", tier="standard")
    )
    handle = await tickets.start(
        "Hi, I'd like to sign up for a second line for my daughter's new phone.",
        subject="New line",
        customer="cus_up",
    )
    status = await tickets.wait_for_state(handle, "in_process")
    ticket_id = handle.id.removeprefix("ticket-")
    assert status.process == "onboarding"
    assert status.process_workflow_id == onboarding_workflow_id(f"of-ticket-{ticket_id}")

    signups = Signups(time_skipping_env, tickets.task_queue)
    child = time_skipping_env.client.get_workflow_handle(status.process_workflow_id)
    await signups.wait_for(child, lambda s: s.state == "awaiting_customer")
    for step, fields in (
        ("contact", CONTACT | {"email": "uma@example.com"}),
        ("address", ADDRESS),
        ("plan", PLAN),
        ("payment", PAYMENT),
    ):
        await signups.submit(child, step, fields)
    outcome = await handle.result()
    assert outcome.state == "resolved" and outcome.route == "start_process"
    [account] = OnboardingCrm(crm_store).accounts_for(f"of-ticket-{ticket_id}")
    assert account.customer_id == "cus_up"
