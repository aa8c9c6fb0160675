"""Crash-test fixtures: a dev server, worker processes to kill, and a proxy in front of Stripe.

The worker under test is a separate OS process started from its real entry point and configured
only through the environment, as in production. It reaches Stripe through `StripeProxy`, the
test itself reaches the sandbox directly, so what the test counts is what Stripe holds, not what
the proxy let through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from integrations.crm_store.store import CrmStore
from tests.crash.stripe_proxy import StripeProxy
from tests.crash.worker_process import WorkerProcesses, worker_environment
from tests.stripe_fixtures import SANDBOX_API_KEY, stripe_billing, stripe_sandbox

__all__ = ["stripe_billing", "stripe_sandbox"]

WORKER_LOGS = pytest.StashKey[Callable[[], str]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """A failed crash test shows what its worker processes and the proxy saw; the worker's side of
    a failure is otherwise lost with the killed process."""
    report: pytest.TestReport = yield
    logs = item.stash.get(WORKER_LOGS, None)
    if report.failed and logs is not None:
        report.sections.append((f"worker processes and Stripe proxy ({report.when})", logs()))
    return report


@pytest_asyncio.fixture
async def stripe_proxy(stripe_sandbox: str) -> AsyncIterator[StripeProxy]:
    proxy = StripeProxy(stripe_sandbox)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
def workers(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    dev_server_env: WorkflowEnvironment,
    task_queue: str,
    database_url: str,
    crm_store: CrmStore,
    stripe_proxy: StripeProxy,
) -> Iterator[WorkerProcesses]:
    """Worker processes on the dev server, a fresh task queue, the test's SQLite and the proxy.

    Depends on `crm_store` so the schema exists before any worker migrates, and every worker
    is SIGKILLed and reaped at teardown, passed or failed.
    """
    client = dev_server_env.client
    env = worker_environment(
        {
            "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TEMPORAL_NAMESPACE": client.namespace,
            "SUPPORTFLOW_TASK_QUEUE": task_queue,
            "DATABASE_URL": database_url,
            "STRIPE_API_KEY": SANDBOX_API_KEY,
            "STRIPE_API_BASE": stripe_proxy.base_url,
        },
        tmp_path,
    )
    processes = WorkerProcesses(env, tmp_path, client, task_queue)
    request.node.stash[WORKER_LOGS] = lambda: (
        f"{processes.logs()}\n=== Stripe proxy calls ===\n{stripe_proxy.describe_calls()}"
    )
    try:
        yield processes
    finally:
        processes.kill_all()
