"""`make run`'s policy backtest: what the stricter demo policies (policies/demo/) would have
decided on the demo cases the stack just ran, printed with the command that runs it again."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client

from integrations.crm_store import CrmStore
from worker.backtest import BacktestRun, gather_cases, load_candidate, run_backtest
from worker.backtest_table import report_lines
from worker.data_converter import data_converter
from worker.local_stack.startup import connected_client, say
from worker.settings import PROJECT_ROOT, Settings

DEMO_CANDIDATES = {
    "refund": PROJECT_ROOT / "policies" / "demo" / "stricter_refund_policy.json",
    "billing_dispute": PROJECT_ROOT / "policies" / "demo" / "stricter_billing_dispute.json",
}


def _shown(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


async def show_demo_backtest(settings: Settings, temporal_address: str, namespace: str) -> None:
    say("\nPolicy backtest: the demo cases decided again under a stricter candidate policy")
    client = await connected_client(temporal_address, namespace, data_converter(settings))

    async def connect() -> Client:
        assert client is not None
        return client

    store = CrmStore(settings.database_url)
    try:
        for process, path in DEMO_CANDIDATES.items():
            candidate = load_candidate(path, process)
            cases, from_history, without, _ = await gather_cases(
                store, process, None, client is not None, connect
            )
            run = BacktestRun(
                report=run_backtest(candidate, cases),
                from_history=from_history,
                without_facts=without,
            )
            say(f"\n[backtest: {process}, candidate {_shown(path)}]")
            for line in report_lines(run, limit=10):
                say(f"  {line}" if line else "")
            say(
                f"  Again: .venv/bin/supportflow backtest --policy {_shown(path)} "
                f"--process {process} [--format json]"
            )
    finally:
        store.dispose()
