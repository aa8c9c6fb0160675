"""`make run`'s review-loop demo against the real stack: the API on loopback, the production
worker (rules triage, demo help center, the demo routing policy with its one-minute critical
SLA), the dev server and the Stripe sandbox. Each of the four hand-offs ends as the demo says,
in the CRM and in Stripe, and the outcomes report of the run shows them.

With SUPPORTFLOW_REPORT_SCREENSHOT=<png> the report of this run is also screenshotted in
headless Chromium (how docs/report-demo.png was made)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api_keys import CallerKeys
from tests.e2e.triage_stack import triage_settings, triage_worker_deps
from worker.local_stack.demo_data import seed_demo_data
from worker.local_stack.demo_report import recorded_ended, sla_breached, write_demo_report
from worker.local_stack.demo_review import (
    COMPLAINT,
    DRAFT,
    HANDBACK,
    REVIEW_DEMOS,
    SLA_BREACH,
    demo_routing_policy,
    run_review_demo,
)
from worker.outcomes.build import build_report
from worker.settings import Settings
from worker.worker_app import build_worker

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    policy = demo_routing_policy(tmp_path / "demo-routing-policy.json")
    return triage_settings(settings, tmp_path).model_copy(update={"routing_policy_path": policy})


@pytest_asyncio.fixture
async def case_worker(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
) -> AsyncIterator[None]:
    deps = triage_worker_deps(crm_store, stripe_billing, settings)
    async with build_worker(dev_server_env.client, settings, deps=deps, task_queue=task_queue):
        yield


async def test_review_demo_works_four_handoffs_to_the_end(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    tmp_path: Path,
) -> None:
    seed_demo_data(
        crm_store,
        lambda amount, currency, text, email: stripe_billing.create_demo_charge(
            amount, currency, text, email
        ),
    )
    results = dict(
        await run_review_demo(http, lambda p: api_keys.people[p], sla_breached(crm_store))
    )
    assert results[DRAFT.name].startswith("carol edited the draft and sent it"), results
    assert results[COMPLAINT.name].startswith("alice claimed and resolved it"), results
    assert results[HANDBACK.name].endswith("the ticket is resolved"), results
    assert results[SLA_BREACH.name].startswith("dave's claim lapsed"), results

    [draft] = crm_store.list_handoffs(DRAFT.ticket_id)
    assert (draft.ending, draft.resolved_by) == ("edited", "carol")
    assert draft.edit_distance is not None and 0 < draft.edit_distance < 1
    [complaint] = crm_store.list_handoffs(COMPLAINT.ticket_id)
    assert (complaint.ending, complaint.claimed_by) == ("resolved", "alice")
    [handback] = crm_store.list_handoffs(HANDBACK.ticket_id)
    assert handback.ending == "process_started"
    [refund] = crm_store.list_refunds(HANDBACK.ticket_id)
    assert refund.amount_cents == 2900 and refund.status == "succeeded"
    [breach] = crm_store.list_handoffs(SLA_BREACH.ticket_id)
    assert breach.sla_breached_at is not None and breach.resolved_by == "erin"

    # The API read `resolved` from the running cases; the report reads what the CRM recorded.
    ended = await recorded_ended(crm_store, (demo.ticket_id for demo in REVIEW_DEMOS))
    assert set(ended.values()) == {"resolved"}, ended
    now = datetime.now(UTC)
    o = build_report(crm_store, now - timedelta(hours=1), now + timedelta(minutes=1)).overall
    assert (o.cases, o.resolved, o.escalated) == (4, 4, 4)
    assert o.sla_breaches == 1 and o.drafts_changed == 1
    assert o.failure_categories["escalation_delay"] == 1
    assert o.escalations_by_reason["signal:security_concern"] == 1

    page = write_demo_report(crm_store, tmp_path)
    assert page.read_text().count("<svg data-chart=") == 3
    screenshot = os.environ.get("SUPPORTFLOW_REPORT_SCREENSHOT")
    if screenshot:
        from tests.report.chromium import screenshot_report

        # Playwright's sync API runs outside the test's event loop.
        await asyncio.to_thread(screenshot_report, page, Path(screenshot))
