"""One person, one identity, through Slack (issue 7): a Slack user decides as the person the
policy lists or the CRM links their account to, in canonical form, and nobody counts twice or
approves their own request by using another account or a user group."""

from __future__ import annotations

from tests.slack_e2e.click_stack import (
    ALICE_SECOND,
    BOB_PHONE,
    UNLINKED_MEMBER,
    ClickStack,
    click_stack,
    fake_slack,
    stripe_billing,
    stripe_sandbox,
)
from tests.slack_e2e.live_desk import ALICE, BOB, CAROL, until

__all__ = ["click_stack", "fake_slack", "stripe_billing", "stripe_sandbox"]

SINGLE_AMOUNT = 18_000  # one approver (policy: single level)
DUAL_AMOUNT = 75_000  # two different approvers (policy: dual level)


async def test_slack_id_and_linked_account_are_one_person(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=DUAL_AMOUNT)
    _, message = await stack.waiting(case)

    await stack.click(message, ALICE)
    await until(lambda: _approved_by(stack, case, ["alice"]), "alice's approval")
    # The account a person key links to alice is alice again: no second approval.
    await stack.click(message, ALICE_SECOND)
    (told,) = await stack.told(ALICE_SECOND)
    assert "already approved" in told and "Nothing was changed." in told
    status = await stack.status(case)
    assert status.state == "awaiting_approval"
    assert status.pending_approval is not None and status.pending_approval.approved_by == ["alice"]
    assert stack.refunds(case) == []

    await stack.click(message, CAROL)
    assert (await stack.handle(case).result()).state == "resolved"
    assert stack.refunds(case) == [DUAL_AMOUNT]


async def test_group_member_counts_as_their_person_once(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=DUAL_AMOUNT)
    status, message = await stack.waiting(case)
    assert status.pending_approval is not None
    # The group adds the person behind each linked member, never a Slack id.
    assert "bob" in status.pending_approval.approvers
    assert not any(a.startswith("slack:") for a in status.pending_approval.approvers)

    await stack.click(message, BOB_PHONE)
    await until(lambda: _approved_by(stack, case, ["bob"]), "bob's approval")
    assert "*1 of 2 approvals*" in stack.status_line(message)

    # bob's other Slack account (listed in the policy) is still bob.
    await stack.click(message, BOB)
    (told,) = await stack.told(BOB)
    assert "already approved" in told
    assert (await stack.status(case)).state == "awaiting_approval"

    await stack.click(message, CAROL)
    assert (await stack.handle(case).result()).state == "resolved"
    (approval,) = stack.store.get_ticket(case.request.ticket_id).approvals  # type: ignore[union-attr]
    assert sorted(approval.approved_by) == ["bob", "carol"]
    assert stack.refunds(case) == [DUAL_AMOUNT]


async def test_unlinked_group_member_cannot_decide(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=DUAL_AMOUNT)
    _, message = await stack.waiting(case)

    await stack.click(message, UNLINKED_MEMBER)

    (told,) = await stack.told(UNLINKED_MEMBER)
    assert "Your Slack account is not linked to a supportflow person." in told
    status = await stack.status(case)
    assert status.pending_approval is not None and status.pending_approval.approved_by == []
    assert stack.slack.calls("chat.update") == []
    ticket = stack.store.get_ticket(case.request.ticket_id)
    assert ticket is not None
    refused = [e for e in ticket.audit if e.action == "slack_click_refused"]
    assert refused and "unlinked_slack_account" in refused[0].detail


async def test_requester_cannot_approve_their_case_via_slack(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=SINGLE_AMOUNT, requested_by="Alice")
    _, message = await stack.waiting(case)

    await stack.click(message, ALICE)

    (told,) = await stack.told(ALICE)
    assert "cannot decide a refund you requested" in told
    assert (await stack.status(case)).state == "awaiting_approval"
    assert stack.refunds(case) == []
    # Nor through the account a person key links to her.
    await stack.click(message, ALICE_SECOND)
    (told,) = await stack.told(ALICE_SECOND)
    assert "cannot decide a refund you requested" in told

    await stack.click(message, BOB)
    assert (await stack.handle(case).result()).state == "resolved"
    assert stack.refunds(case) == [SINGLE_AMOUNT]


async def _approved_by(stack: ClickStack, case: object, people: list[str]) -> bool | None:
    status = await stack.status(case)  # type: ignore[arg-type]
    pending = status.pending_approval
    return True if pending is not None and pending.approved_by == people else None
