"""`supportflow run` end to end on free ports: every process, the demo help center, the demo
tickets (refunds, and triaged tickets on every route), a clean stop, and a second run that reuses
the data. Slow (two full stack starts), so marked `slow`."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from tests.codec.devstack_ui_codec import assert_ui_decodes_through_the_api
from worker.local_stack.launcher import DevStack, StackLayout
from worker.local_stack.processes import port_in_use
from worker.settings import Settings

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def stack_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, StackLayout]:
    for name in (
        "STRIPE_API_KEY",
        "STRIPE_API_BASE",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "OPENAI_API_KEY",  # the demo's routes are those of the rules triage
        "WEAVIATE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    data_dir = tmp_path / ".data"
    layout = StackLayout(data_dir=data_dir, temporal_port=free_port(), ui_port=free_port())
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=f"sqlite:///{data_dir / 'supportflow.db'}",
        SUPPORTFLOW_KNOWLEDGE_DB=data_dir / "knowledge.db",
        SUPPORTFLOW_API_URL=f"http://127.0.0.1:{free_port()}",
        SUPPORTFLOW_TASK_QUEUE="devstack-test",
    )
    return settings, layout


async def _run_until_ready(stack: DevStack) -> asyncio.Task[int]:
    task = asyncio.create_task(stack.run())
    ready = asyncio.create_task(stack.running.wait())
    await asyncio.wait({task, ready}, timeout=240, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    assert stack.running.is_set(), "the stack did not come up"
    return task


async def _stop(stack: DevStack, task: asyncio.Task[int]) -> tuple[int, list[int], int]:
    pids = [child.pid for child in stack.children if child.pid is not None]
    assert stack.stripe is not None and stack.stripe.sandbox is not None
    sandbox_port = stack.stripe.sandbox.port
    stack.stop_requested.set()
    return await asyncio.wait_for(task, 120), pids, sandbox_port


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_run_twice(
    stack_config: tuple[Settings, StackLayout], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, layout = stack_config
    stack = DevStack(settings, layout)
    task = await _run_until_ready(stack)
    first = capsys.readouterr().out
    await assert_ui_decodes_through_the_api(stack)
    code, pids, sandbox_port = await _stop(stack, task)
    stopped = capsys.readouterr().out

    assert "ok  Temporal" in first and "ok  Stripe" in first and "ok  Worker" in first
    assert "6 customers and 9 orders added (9 new charges)" in first
    assert "[auto-approve] (filed now)" in first
    assert "Ticket demo-auto-approve: resolved" in first
    assert "Ticket demo-needs-approval: awaiting_approval" in first
    alice_key = layout.data_dir / "keys" / "alice.key"
    assert f"Approve: supportflow approve demo-needs-approval --key-file {alice_key}" in first
    # Keys are made on the first run, printed once and kept private under .data/keys.
    assert "ok  API keys" in first and "created" in first and "New keys, shown once" in first
    assert alice_key.stat().st_mode & 0o777 == 0o600
    assert (layout.data_dir / "keys").stat().st_mode & 0o777 == 0o700
    # helpdesk + 5 approvers + the signup front end of the onboarding demo + the UI's codec key
    assert len(list((layout.data_dir / "keys").glob("*.key"))) == 8
    assert "Ticket demo-denied-old-order: denied" in first
    assert f"http://localhost:{layout.ui_port}/namespaces/default/workflows/ticket-demo-" in first
    assert "Approvals: API / CLI" in first
    _assert_triage_demos(first, layout)
    _assert_dispute_demos(first)
    _assert_chargeback_demo(first, layout)
    _assert_backtest_demo(first)
    _assert_review_demo(first, layout)
    _assert_replies_delivered(first, layout)
    assert code == 0
    assert "All processes stopped." in stopped
    assert len(pids) == 3 and all(_gone(pid) for pid in pids)  # temporal, worker, api
    assert not port_in_use(layout.temporal_port)
    assert not port_in_use(sandbox_port)
    assert (layout.log_dir / "worker.log").exists()

    again = DevStack(settings, layout)
    task = await _run_until_ready(again)
    second = capsys.readouterr().out
    code, _, _ = await _stop(again, task)
    assert code == 0
    assert "reused (9 demo orders already seeded)" in second
    assert "New keys, shown once" not in second and "reused; in" in second
    assert f"Approve: supportflow approve demo-needs-approval --key-file {alice_key}" in second
    assert "warning" not in second
    assert "[auto-approve] (filed earlier, current state)" in second
    assert "Ticket demo-auto-approve: resolved" in second
    assert "Ticket demo-needs-approval: awaiting_approval" in second
    assert "[triage: how-to question] (filed earlier, current state)" in second
    _assert_triage_demos(second, layout)
    _assert_chargeback_demo(second, layout)
    assert "Ticket demo-dispute-duplicate: resolved  (from database)" in second
    assert "[review: complaint claimed and resolved] filed earlier; now resolved" in second
    _assert_replies_delivered(second, layout)
    # The same dispute both runs: the demo order is disputed once.
    assert _dispute_line(first) == _dispute_line(second)


def _assert_backtest_demo(out: str) -> None:
    """The demo cases decided again under the stricter demo policies: the auto-approved refund
    would need an approver, the 2-approver one is unchanged in level count (dual)."""
    assert "[backtest: refund, candidate policies/demo/stricter_refund_policy.json]" in out
    assert "[backtest: billing_dispute, candidate policies/demo/stricter_billing_dispute" in out
    refund = out.split("[backtest: refund")[1].split("[backtest: billing_dispute")[0]
    assert "auto_approve -> needs_approval:single" in refund
    assert "demo-auto-approve" in refund and "Decisions that change:" in refund
    assert "not evaluated" not in refund


def _assert_review_demo(out: str, layout: StackLayout) -> None:
    """People worked the four review hand-offs; the outcomes report was written."""
    assert "[review: draft edited and sent] carol edited the draft and sent it" in out
    assert "[review: complaint claimed and resolved] alice claimed and resolved it" in out
    [handback] = [line for line in out.splitlines() if "[review: handed back" in line]
    assert "bob handed it back" in handback and "the ticket is resolved" in handback, handback
    assert "[review: SLA breached and re-escalated] dave's claim lapsed" in out
    report = (layout.data_dir / "reports" / "outcomes.html").resolve()
    assert f"Outcomes report for the demo data: {report}" in out
    assert report.read_text().count("<svg data-chart=") == 3


def _assert_replies_delivered(out: str, layout: StackLayout) -> None:
    """The demo tickets' replies reached the local callback receiver, verified (issue 15)."""
    assert "ok  Callbacks" in out
    assert "Replies delivered to the demo helpdesk's callback" in out
    delivered = out.split("Replies delivered to the demo helpdesk's callback", 1)[1]
    assert "demo-auto-approve            'Your refund for ticket demo-auto-approve'" in delivered
    assert "demo-needs-approval          no reply yet (awaiting_approval)" in delivered
    assert f"(also {layout.data_dir / 'callbacks.jsonl'})" in delivered


def _dispute_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("[chargeback] dispute dp_"))


def _assert_chargeback_demo(out: str, layout: StackLayout) -> None:
    """The offline Stripe's dispute arrived as signed webhooks and waits for review."""
    assert "awaiting_approval; recommended: contest (evidence_complete)" in out
    assert "  evidence due " in out and "the policy's default runs at" in out
    link = f"http://localhost:{layout.ui_port}/namespaces/default/workflows/chargeback-dp_"
    assert link in out


def _assert_dispute_demos(out: str) -> None:
    """Billing complaints: a duplicate refunded alone, an over-charge waiting for an approver."""
    assert "2 billing-dispute customers added" in out
    assert "Ticket demo-dispute-duplicate: resolved  (from database)" in out
    assert "billing_dispute-of-ticket-demo-dispute-over-charge: awaiting_approval" in out
    assert "Approve: supportflow approve demo-dispute-over-charge" in out


def _assert_triage_demos(out: str, layout: StackLayout) -> None:
    """Every route a ticket with no process can take, as the demo prints it."""
    assert "ok  Knowledge base     23 help-center articles (4 internal)" in out
    # Answered from the help center, with the citation stored with the reply.
    assert "Ticket demo-triage-how-to: resolved  (from database)" in out
    assert "Route: answer (knowledge:how_to" in out
    assert "Source: When will I get my refund? https://help.harborandpine.example/" in out
    # A refund asked for in plain text runs as the refund child and waits for its approver.
    assert "Ticket demo-triage-refund: in_process  (from workflow)" in out
    assert "Refund process refund-of-ticket-demo-triage-refund: awaiting_approval" in out
    alice_key = layout.data_dir / "keys" / "alice.key"
    assert f"Approve: supportflow approve demo-triage-refund --key-file {alice_key}" in out
    # No order number: the customer is asked, and the exact reply command is printed.
    assert "Ticket demo-triage-missing-order: awaiting_customer" in out
    assert (
        'Answer as the customer: supportflow reply demo-triage-missing-order --text "Sorry, '
        "it's order #5008.\"" in out
    )
    # A person is asked for and a lawyer mentioned: handed off with a package.
    # The hand-off stays open, waiting for a person to claim it.
    assert "Ticket demo-triage-escalate: escalated  (from workflow)" in out
    assert "Route: escalate (escalate:signal:legal_threat, routing-" in out
    assert "Hand-off: " in out
    assert "Next step: " in out
    assert "(still " not in out
    # The three signups: completed, stalled with its reminder, blocked and waiting for a person.
    assert "DEMO-COMPLETE   resolved: Account acct-DEMO-COMPLETE on plus_5g." in out
    assert "DEMO-STALLED    awaiting_customer at step address" in out
    assert "Reminder: [DEMO-STALLED] Finish your signup" in out
    assert "DEMO-BLOCKED    awaiting_approval: compatibility failed" in out
    assert f"http://localhost:{layout.ui_port}/namespaces/default/workflows/onboarding-DEMO-" in out


async def test_busy_port_fails_fast_without_leftovers(
    stack_config: tuple[Settings, StackLayout], capsys: pytest.CaptureFixture[str]
) -> None:
    settings, layout = stack_config
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", layout.temporal_port))
        squatter.listen()
        stack = DevStack(settings, layout)
        code = await asyncio.wait_for(stack.run(), 30)
    assert code == 1
    assert f"port(s) {layout.temporal_port} (Temporal) already in use" in capsys.readouterr().err
    assert stack.children == []
