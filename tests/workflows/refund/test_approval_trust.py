"""Approvals that say what will really happen, on one identity, on the time-skipping server.

A refund approved after the charge changed elsewhere must not be reported "approved" (defect:
the approver read "Approved" while the case escalated with nothing refunded); requesters are
recognised whatever the case of their id.
"""

from __future__ import annotations

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.slack.fake_slack import FakeSlack, fake_slack  # noqa: F401
from tests.workflows.conftest import CaseRunner
from tests.workflows.refund.test_refund_workflow import decide, refused
from tests.workflows.refund.test_slack_approval_paths import (  # noqa: F401
    policy_path,
    slack_cases,
)


def refund_elsewhere(billing: StripeBilling, charge_id: str, cents: int) -> None:
    """Someone refunds the charge outside supportflow while the case waits."""
    billing.create_refund(charge_id, cents, f"outside-refund-{charge_id}", {"source": "test"})


async def test_approval_after_an_outside_refund_is_superseded_not_approved(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case, handle, pending = await cases.awaiting_approval(
        crm_store, stripe_billing, amount_cents=18_000
    )
    refund_elsewhere(stripe_billing, case.charge_id, 17_000)

    receipt = await decide(
        handle, request_id=pending.request_id, approver="alice", decision="approve"
    )
    outcome = await handle.result()
    await cases.keep(handle, "approval_superseded")

    assert receipt.status == "superseded"
    assert receipt.message and "180.00" in receipt.message and "10.00" in receipt.message
    assert outcome.state == "escalated" and "No refund was made" in outcome.resolution
    assert [r.amount_cents for r in stripe_billing.list_refunds(case.charge_id)] == [17_000]
    ticket = crm_store.get_ticket(case.request.ticket_id)
    assert ticket is not None and ticket.status == "escalated"
    assert [a.status for a in ticket.approvals] == ["superseded"]
    assert "approval_superseded" in [e.action for e in ticket.audit]
    assert all("refund for ticket" not in m.subject.lower() for m in ticket.outbox)


async def test_requester_cannot_approve_under_another_spelling_of_their_id(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    _, handle, pending = await cases.awaiting_approval(
        crm_store, stripe_billing, amount_cents=18_000, requested_by="Alice"
    )
    assert pending.requested_by == "alice"
    for spelling in ("alice", "ALICE"):
        assert (
            await refused(
                handle, request_id=pending.request_id, approver=spelling, decision="approve"
            )
            == "SelfApproval"
        )
    await handle.terminate("test done")


async def test_slack_message_tells_the_approver_no_refund_follows(
    slack_cases: CaseRunner,  # noqa: F811
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,  # noqa: F811
) -> None:
    case, handle, pending = await slack_cases.awaiting_approval(
        crm_store, stripe_billing, amount_cents=18_000
    )
    refund_elsewhere(stripe_billing, case.charge_id, 18_000)
    receipt = await decide(
        handle, request_id=pending.request_id, approver="alice", decision="approve"
    )
    await handle.result()

    assert receipt.status == "superseded"
    message = fake_slack.messages("C0REFUNDS")[0]
    assert message.text.startswith("Approved, but no refund will be made")
    status = next(b for b in message.blocks if b.get("block_id") == "approval_status")
    assert "no refund will be made" in status["text"]["text"]
    assert not any(b.get("type") == "actions" for b in message.blocks)
