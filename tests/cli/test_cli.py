"""The `supportflow` commands against a real dev server and the real worker, including the
messages and exit codes users see when something is wrong."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from integrations.crm_store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.api.conftest import APPROVAL_AMOUNT, SeedOrder
from tests.api_keys import CallerKeys
from tests.cli.conftest import invoke
from worker.cli import app
from worker.local_stack.startup import has_poller
from worker.settings import PROJECT_ROOT
from workflows.case.contract import case_workflow_id

COMMANDS = [
    "run",
    "worker",
    "api",
    "ticket",
    "reply",
    "status",
    "approve",
    "reject",
    "replay",
    "backtest",
    "keys",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: supportflow {command}" in result.output
    summary = result.output.split("Usage:")[1].splitlines()
    assert any(len(line.strip()) > 20 for line in summary[1:4]), result.output


def test_top_level_help_lists_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


async def _wait_for_state(ticket_id: str, state: str) -> dict[str, object]:
    for _ in range(100):
        result = await invoke("status", ticket_id, "--json")
        if result.exit_code == 0 and json.loads(result.stdout)["state"] == state:
            return dict(json.loads(result.stdout))
        await asyncio.sleep(0.1)
    raise AssertionError(f"{ticket_id} never reached {state}")


async def test_file_inspect_and_approve_a_ticket(
    cli_env: None,
    case_worker: Worker,
    seed_order: SeedOrder,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    api_keys: CallerKeys,
) -> None:
    order = seed_order(APPROVAL_AMOUNT)
    ticket_id = f"T-{uuid.uuid4().hex[:10]}"
    args = ["ticket", ticket_id, "--customer", order.customer_id, "--order", order.order_id]
    args += ["--process", "refund"]  # without it the ticket is triaged (tests/cli/test_cli_triage)
    filed = await invoke(*args, "--subject", "Headphones broke")
    assert filed.exit_code == 0, filed.output
    assert f"filed as case {case_workflow_id(ticket_id)}" in filed.stdout
    assert f"http://ui.test:8233/namespaces/default/workflows/{case_workflow_id(ticket_id)}" in (
        filed.stdout
    )
    again = await invoke(*args, "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["existing"] is True

    await _wait_for_state(ticket_id, "awaiting_approval")
    shown = await invoke("status", ticket_id)
    assert shown.exit_code == 0
    assert f"Approve: SUPPORTFLOW_KEY=<alice's key> supportflow approve {ticket_id}" in shown.stdout
    assert "90.00 USD" in shown.stdout

    refused = await invoke("approve", ticket_id, "--key", api_keys.people["mallory"])
    assert refused.exit_code == 1
    assert "refused (not_an_approver)" in refused.stderr
    assert "Traceback" not in refused.output

    key = api_keys.people["alice"]
    approved = await invoke("approve", ticket_id, "--key", key, "--reason", "faulty unit")
    assert approved.exit_code == 0, approved.output
    assert f"Approved ticket {ticket_id} as alice" in approved.stdout
    assert "is approved (1/1 approvals)" in approved.stdout

    await dev_server_env.client.get_workflow_handle(case_workflow_id(ticket_id)).result()
    assert [r.amount_cents for r in stripe_billing.list_refunds(order.charge_id)] == [
        APPROVAL_AMOUNT
    ]
    closed = await invoke("status", ticket_id)
    assert closed.exit_code == 0
    assert "resolved  (from database)" in closed.stdout
    ticket = crm_store.get_ticket(ticket_id)
    assert ticket is not None
    assert [e.actor for e in ticket.audit if e.action == "approval_refused"] == ["mallory"]
    # Filed by the helpdesk's key, decided by alice's: the audit names both credentials.
    filed = [e for e in ticket.audit if e.action == "cli_ticket_filed"]
    assert [e.actor for e in filed] == ["system:helpdesk"] and "key helpdesk" in filed[0].detail
    decided = [e for e in ticket.audit if e.action == "cli_approval_decided"]
    assert [e.actor for e in decided] == ["alice"] and "key alice" in decided[0].detail

    # Every history this test produced replays against the current code.
    replayed = await invoke("replay", "--workflow-id", case_workflow_id(ticket_id))
    assert replayed.exit_code == 0, replayed.output
    assert "deterministic" in replayed.stdout


async def test_reject_needs_a_reason(cli_env: None) -> None:
    result = await invoke("reject", "T-1")
    assert result.exit_code == 2
    assert "--reason" in result.output


async def test_reject_with_blank_reason_is_a_usage_error(cli_env: None) -> None:
    result = await invoke("reject", "T-1", "--reason", "  ")
    assert result.exit_code == 2
    assert "a rejection needs a reason" in result.stderr


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--amount-cents", "-5"], "requested_amount_cents: Input should be greater than 0"),
        (["--process", "warranty"], "process: Value error, no process 'warranty' takes tickets"),
        (["--amount-cents", "abc"], "Invalid value for '--amount-cents'"),
    ],
)
async def test_ticket_bad_input_is_exit_2(cli_env: None, extra: list[str], fragment: str) -> None:
    result = await invoke("ticket", "T-bad", "--customer", "cus_1", *extra)
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert "Traceback" not in result.output


async def test_bad_ticket_id_is_exit_2(cli_env: None) -> None:
    result = await invoke("ticket", "has space", "--customer", "cus_1")
    assert result.exit_code == 2
    assert "ticket_id" in result.stderr


async def test_unknown_ticket_status_is_exit_1(cli_env: None) -> None:
    result = await invoke("status", "T-never-filed")
    assert result.exit_code == 1
    assert "no case and no CRM record for ticket T-never-filed" in result.stderr


async def test_approve_without_a_case_is_refused(cli_env: None, api_keys: CallerKeys) -> None:
    result = await invoke("approve", "T-never-filed", "--key", api_keys.people["alice"])
    assert result.exit_code == 1
    assert "refused (no_pending_approval)" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["status", "T-1"],
        ["approve", "T-1", "--key", "<alice>"],
        ["ticket", "T-1", "--customer", "cus_1"],
        ["replay", "--workflow-id", "ticket-T-1"],
    ],
)
async def test_temporal_unreachable_is_exit_3_without_traceback(
    cli_env: None, monkeypatch: pytest.MonkeyPatch, api_keys: CallerKeys, args: list[str]
) -> None:
    args = [api_keys.people["alice"] if a == "<alice>" else a for a in args]
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:9")
    result = await invoke(*args)
    assert result.exit_code == 3, result.output
    assert "cannot reach Temporal at 127.0.0.1:9" in result.stderr
    assert "supportflow run" in result.stderr
    assert "Traceback" not in result.output


def _worker_process(env: dict[str, str]) -> subprocess.Popen[str]:
    """`supportflow worker` as the dev stack runs it: its own process, signals and all."""
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "worker"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT_ROOT,
    )


def test_worker_command_reports_unreachable_temporal(cli_env: None, stripe_sandbox: str) -> None:
    worker = _worker_process({"TEMPORAL_ADDRESS": "127.0.0.1:9", "STRIPE_API_BASE": stripe_sandbox})
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 3, output
    assert "cannot reach Temporal at 127.0.0.1:9" in output
    assert "Traceback" not in output


async def test_worker_command_stops_cleanly_on_sigterm(
    cli_env: None, stripe_sandbox: str, dev_server_env: WorkflowEnvironment, task_queue: str
) -> None:
    worker = _worker_process({"STRIPE_API_BASE": stripe_sandbox})
    try:
        await _wait_for_poller(dev_server_env, task_queue, worker.pid)
        worker.send_signal(signal.SIGTERM)
        output, _ = await asyncio.to_thread(worker.communicate, timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "worker stopped" in output
    assert "Traceback" not in output


async def _wait_for_poller(env: WorkflowEnvironment, task_queue: str, pid: int) -> None:
    for _ in range(200):
        if await has_poller(env.client, task_queue, pid):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the worker process never polled its task queue")
