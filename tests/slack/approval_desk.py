"""Test wiring for the interactivity endpoint: fake Slack, an in-memory stand-in for the
approval Update, and helpers that click like Slack does.

`InMemoryCases.submit` has the signature of `worker.approvals.submit_decision` and applies the
rules the workflow's validator documents (approver list, no self-approval, current request id and
amount, one decision per approver, expiry), so the endpoint is tested against refusals with the
same codes the real path raises. End-to-end runs against a real workflow replace it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from temporalio.testing import ActivityEnvironment

from activities.chat import ChatActivities
from activities.models import ApprovalClickRecord, ApprovalNotice
from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import ACTIONS_BLOCK
from tests.slack.fake_slack import FakeSlack, SlackMessage
from tests.slack.slack_requests import block_actions
from worker.approval_refusals import ApprovalRefused, CaseUnavailable
from worker.approvals import ApprovalStore
from workflows.case.contract import ApprovalDecision, ApprovalReceipt


@dataclass
class Case:
    request_id: str
    approvers: list[str]
    requested_by: str
    required: int
    amount_cents: int
    approved_by: list[str] = field(default_factory=list)
    status: str = "pending"


class InMemoryCases:
    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.submitted: list[tuple[str, ApprovalDecision]] = []
        self.unavailable = False

    def open(self, ticket_id: str, notice: ApprovalNotice, approvers: list[str], by: str) -> None:
        self.cases[ticket_id] = Case(
            notice.request_id, approvers, by, notice.required_approvals, notice.amount_cents
        )

    async def submit(
        self, client: Any, store: ApprovalStore, ticket_id: str, decision: ApprovalDecision
    ) -> ApprovalReceipt:
        self.submitted.append((ticket_id, decision))
        if self.unavailable:
            raise CaseUnavailable("Temporal is unreachable")
        case = self.cases.get(ticket_id)
        if case is None:
            raise ApprovalRefused("no_pending_approval", f"Ticket {ticket_id} has no case.")
        if case.status == "expired":
            raise ApprovalRefused("expired", "This approval request has expired.")
        if case.status != "pending":
            raise ApprovalRefused("already_decided", f"This case was already {case.status}.")
        # As the workflow's gate: an amount, when the click carries one, must be the one shown.
        shown = decision.amount_cents
        if decision.request_id != case.request_id or (
            shown is not None and shown != case.amount_cents
        ):
            raise ApprovalRefused("stale_request", "This approval request is no longer current.")
        if decision.approver not in case.approvers:
            raise ApprovalRefused("not_an_approver", f"{decision.approver} may not decide this.")
        if decision.approver == case.requested_by:
            raise ApprovalRefused("self_approval", "Requesters cannot decide their own case.")
        if decision.approver in case.approved_by:
            raise ApprovalRefused("already_decided", f"{decision.approver} already approved.")
        if decision.decision == "reject":
            case.status = "rejected"
        else:
            case.approved_by.append(decision.approver)
            if len(case.approved_by) >= case.required:
                case.status = "approved"
        return ApprovalReceipt(
            request_id=case.request_id,
            approver=decision.approver,
            decision=decision.decision,
            status="pending" if case.status == "pending" else case.status,  # type: ignore[arg-type]
            approvals_received=len(case.approved_by),
            required_approvals=case.required,
        )


class ClickLog:
    def __init__(self) -> None:
        self.records: list[ApprovalClickRecord] = []

    async def record(self, record: ApprovalClickRecord) -> None:
        self.records.append(record)


def post_request(slack: SlackApprovals, fake: FakeSlack, notice: ApprovalNotice) -> SlackMessage:
    """Posts the approval message through the real activity and returns what Slack stored."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, scheduled_time=datetime.now(UTC))
    chat = ChatActivities(slack, api_url="http://api", temporal_ui_url="http://ui")
    result = env.run(chat.post_approval_request, notice)
    assert result.ref is not None
    return fake.message(result.ref.channel, result.ref.ts)


def click(message: SlackMessage, user: str, action_id: str) -> dict[str, Any]:
    """The block_actions payload Slack sends when `user` clicks a button on `message`."""
    actions = next(b for b in message.blocks if b.get("block_id") == ACTIONS_BLOCK)
    button = next(e for e in actions["elements"] if e["action_id"] == action_id)
    return block_actions(
        user=user,
        action_id=action_id,
        value=button["value"],
        channel=message.channel,
        message_ts=message.ts,
        blocks=message.blocks,
        text=message.text,
    )
