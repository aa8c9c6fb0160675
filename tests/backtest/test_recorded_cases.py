"""Refund cases decided by the real workflow record their facts in the CRM; `supportflow
backtest` reads them (or, for cases decided before facts were recorded, their Temporal
histories) and reports what a stricter policy would have decided."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import delete
from sqlmodel import Session
from temporalio.client import Client
from typer.testing import CliRunner

from activities.models import AuditEntry
from integrations.crm_store.decision_table import DecisionFacts
from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from policies.decision_facts import RefundCaseFacts
from tests.backtest.scripted_cases import POLICIES
from tests.workflows.conftest import CaseRunner, wait_for_state
from worker.backtest import DECISION_NOTES, gather_cases
from worker.cli import app
from worker.replay import case_workflows
from worker.settings import get_settings
from workflows.case.contract import ApprovalDecision, case_workflow_id, process_workflow_id

STRICTER = POLICIES / "demo" / "stricter_refund_policy.json"


async def _two_decided_cases(
    cases: CaseRunner, store: CrmStore, billing: StripeBilling
) -> tuple[str, str]:
    auto = await cases.seed(store, billing, amount_cents=3_500)
    await (await cases.start(auto.request)).result()
    approved = await cases.seed(store, billing, amount_cents=18_000)
    handle = await cases.start(approved.request)
    pending = (await wait_for_state(handle, "awaiting_approval")).pending_approval
    assert pending is not None
    await handle.execute_update(
        "decide_approval",
        ApprovalDecision(
            request_id=pending.request_id,
            approver="alice",
            decision="approve",
            amount_cents=18_000,
        ),
    )
    await handle.result()
    return auto.request.ticket_id, approved.request.ticket_id


def _backtest_cli(database_url: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["backtest", *args])
    finally:
        get_settings.cache_clear()


async def test_decided_cases_record_their_facts_and_backtest_over_the_cli(
    cases: CaseRunner,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
) -> None:
    auto_id, approved_id = await _two_decided_cases(cases, crm_store, stripe_billing)

    decided = {c.ticket_id: c for c in crm_store.decided_cases("refund")}
    assert set(decided) == {auto_id, approved_id}
    auto, approved = decided[auto_id], decided[approved_id]
    assert (auto.verdict, auto.rule, auto.amount_cents, auto.state) == (
        "auto_approve",
        "within_auto_approve_limit",
        3_500,
        "resolved",
    )
    assert (approved.approval_level, approved.approval) == ("single", "approved")
    assert approved.policy_version and approved.policy_version.startswith("refund-2026-12-01@")
    facts = RefundCaseFacts.model_validate(approved.facts)
    assert facts.facts.charge_amount_cents == 18_000
    assert facts.facts.already_refunded_cents == 0 and facts.facts.customer_tier == "standard"
    assert facts.cumulative_window_days == 30 and facts.refund_count_window_days == 90

    monkeypatch.chdir(tmp_path)  # no developer .env
    # The CLI runs its own event loop, as from a shell: off this test's loop.
    result = await asyncio.to_thread(
        _backtest_cli,
        database_url,
        "--policy",
        str(STRICTER),
        "--format",
        "json",
        monkeypatch=monkeypatch,
    )
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert set(run) == {"report", "from_history", "without_facts"}
    report = run["report"]
    assert set(report) >= {
        "process",
        "candidate_version",
        "cases",
        "changed",
        "transitions",
        "changes",
        "money",
        "approval_load",
        "rules",
    }
    assert report["cases"] == 2 and report["process"] == "refund"
    # The demo candidate auto-approves up to 25.00 and sends more than 150.00 to two people.
    assert report["transitions"] == {
        "auto_approve -> needs_approval:single": 1,
        "needs_approval:single -> needs_approval:dual": 1,
    }
    assert {c["ticket_id"] for c in report["changes"]} == {auto_id, approved_id}
    assert report["money"]["moved_cents"] == 21_500
    assert report["money"]["newly_awaiting_approval_cents"] == 21_500

    table = await asyncio.to_thread(
        _backtest_cli, database_url, "--policy", str(STRICTER), monkeypatch=monkeypatch
    )
    assert table.exit_code == 0, table.output
    assert "Decisions that change: 2 of 2" in table.output
    assert f"{auto_id}" in table.output and "needs_approval:dual" in table.output


async def test_cases_without_recorded_facts_are_read_from_their_histories(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    ids = await _two_decided_cases(cases, crm_store, stripe_billing)
    recorded = {c.ticket_id: c.facts for c in crm_store.decided_cases("refund")}
    # As for a case decided before this release: the CRM has its audit, not its facts.
    with Session(crm_store.engine) as session:
        session.exec(delete(DecisionFacts))  # type: ignore[call-overload]
        session.commit()
    assert crm_store.decided_cases("refund") == []
    missing = crm_store.cases_without_facts("refund", DECISION_NOTES["refund"])
    assert {c.ticket_id for c in missing} == set(ids)
    assert crm_store.cases_without_facts("billing_dispute", DECISION_NOTES["billing_dispute"]) == []

    async def connect() -> Client:
        return cases.client

    found, from_history, without, skipped = await gather_cases(
        crm_store, "refund", None, True, connect
    )
    assert (from_history, without, skipped) == (2, [], None)
    assert {c.ticket_id: c.facts for c in found} == recorded

    _, _, left_out, reason = await gather_cases(crm_store, "refund", None, False)
    assert sorted(left_out) == sorted(ids) and reason == "--no-histories"
    assert case_workflows()  # the replay uses the worker's registered workflows


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        ("{not json", "is not valid JSON: Expecting property name"),
        ('{"version": "x"}', "is not a valid refund policy"),
        ('{"version": "x", "refund_window_days": -1}', "refund_window_days"),
    ],
)
def test_a_bad_candidate_policy_file_is_one_clear_line(
    content: str | None,
    expected: str,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "candidate.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.chdir(tmp_path)
    result = _backtest_cli(database_url, "--policy", str(path), monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert expected in result.output
    assert "candidate policy refused" in result.output
    assert "Traceback" not in result.output


def test_bad_options_are_usage_errors(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for args, expected in (
        (["--process", "onboarding"], "--process must be one of"),
        (["--format", "xml"], "--format must be table or json"),
        (["--since", "last tuesday"], "--since is not an ISO date"),
    ):
        result = _backtest_cli(
            database_url, "--policy", str(STRICTER), *args, monkeypatch=monkeypatch
        )
        assert result.exit_code == 2 and expected in result.output
        assert "Traceback" not in result.output


async def test_a_triaged_refund_decided_before_facts_is_found_under_its_child(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    seeded = await cases.seed(crm_store, stripe_billing, amount_cents=3_500)
    ticket_id = seeded.request.ticket_id
    # Triage filed the ticket under its own workflow; the refund ran as its child.
    crm_store.upsert_ticket(
        ticket_id=ticket_id,
        customer_id=seeded.request.customer_id,
        process="triage",
        workflow_id=case_workflow_id(ticket_id),
        order_id=seeded.request.order_id,
        subject="Refund",
        body="Refund please.",
    )
    child = process_workflow_id(case_workflow_id(ticket_id), "refund")
    await (await cases.start(seeded.request, workflow_id=child)).result()
    [recorded] = crm_store.decided_cases("refund")
    assert recorded.workflow_id == child
    with Session(crm_store.engine) as session:
        session.exec(delete(DecisionFacts))  # type: ignore[call-overload]
        session.commit()

    async def connect() -> Client:
        return cases.client

    found, from_history, without, _ = await gather_cases(crm_store, "refund", None, True, connect)

    assert (from_history, without) == (1, [])
    assert (found[0].ticket_id, found[0].workflow_id) == (ticket_id, child)
    assert found[0].facts == recorded.facts and found[0].state == "resolved"


def test_without_temporal_cases_lacking_facts_are_named_and_the_rest_still_runs(
    tmp_path: Path, database_url: str, crm_store: CrmStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A case decided before facts were recorded: its decision note only.
    crm_store.upsert_ticket(
        ticket_id="T-old", customer_id="cus_old", process="refund", workflow_id="ticket-T-old"
    )
    crm_store.record_audit(
        "T-old",
        "ticket-T-old",
        [AuditEntry(actor="policy", action="policy:auto_approve", at=datetime.now(UTC))],
        "refund-2026-11-01@abc",
        "old:1",
    )
    monkeypatch.chdir(tmp_path)
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{closed}")

    result = _backtest_cli(
        database_url, "--policy", str(STRICTER), "--format", "json", monkeypatch=monkeypatch
    )

    assert result.exit_code == 0, result.output
    assert "1 case(s) have no recorded facts and Temporal was not read" in result.stderr
    run = json.loads(result.stdout)
    assert run["without_facts"] == ["T-old"] and run["report"]["cases"] == 0
