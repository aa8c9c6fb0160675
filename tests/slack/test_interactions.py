"""`POST /slack/interactions`: signed clicks in, decisions and Slack updates out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import (
    ACTIONS_BLOCK,
    APPROVE_ACTION,
    REJECT_ACTION,
    REJECT_MODAL,
    STATUS_BLOCK,
)
from integrations.slack_directory import ApproverDirectory
from policies.refund_policy import RefundPolicy
from tests.slack.approval_desk import ClickLog, InMemoryCases, click, post_request
from tests.slack.fake_slack import FakeSlack, SlackMessage
from tests.slack.notices import dual_notice, make_notice
from tests.slack.slack_requests import (
    SIGNING_SECRET,
    form_body,
    reason_values,
    signed_headers,
    view_submission,
)
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_interactions import slack_interactions_router


@dataclass
class Desk:
    fake: FakeSlack
    slack: SlackApprovals
    cases: InMemoryCases
    clicks: ClickLog
    http: TestClient

    def send(self, payload: dict[str, Any], **sign: Any) -> Any:
        body = form_body(payload)
        return self.http.post(
            "/slack/interactions", content=body, headers=signed_headers(body, **sign)
        )

    def status_text(self, message: SlackMessage) -> str:
        current = self.fake.message(message.channel, message.ts)
        status = [b for b in current.blocks if b.get("block_id") == STATUS_BLOCK]
        return status[0]["text"]["text"] if status else ""

    def has_buttons(self, message: SlackMessage) -> bool:
        current = self.fake.message(message.channel, message.ts)
        return any(b.get("block_id") == ACTIONS_BLOCK for b in current.blocks)


@pytest.fixture
def desk(fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy) -> Iterator[Desk]:
    cases, clicks = InMemoryCases(), ClickLog()
    handler = ApprovalClickHandler(
        slack=slack,
        directory=ApproverDirectory(policy, slack.user_group_members),
        submit_decision=cases.submit,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        record_click=clicks.record,
    )
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    with TestClient(app) as http:
        yield Desk(fake_slack, slack, cases, clicks, http)


def _single(desk: Desk, requested_by: str = "agent-7") -> SlackMessage:
    notice = make_notice()
    desk.cases.open(notice.ticket_id, notice, ["alice", "bob", "carol"], requested_by)
    return post_request(desk.slack, desk.fake, notice)


def test_approve_submits_the_decision_and_updates_the_message(desk: Desk) -> None:
    message = _single(desk)

    response = desk.send(click(message, "U0ALICE", APPROVE_ACTION))

    assert response.status_code == 200 and response.content == b""
    [(ticket, decision)] = desk.cases.submitted
    assert ticket == "T-1001"
    assert (decision.approver, decision.decision, decision.channel) == ("alice", "approve", "slack")
    assert (decision.request_id, decision.amount_cents) == ("req-5b1c", 12_950)
    assert "*Approved* by <@U0ALICE>" in desk.status_text(message)
    assert not desk.has_buttons(message)
    [record] = desk.clicks.records
    assert (record.slack_user_id, record.approver, record.outcome) == (
        "U0ALICE",
        "alice",
        "accepted",
    )
    assert (record.request_id, record.action) == ("req-5b1c", "approve")
    assert desk.fake.ephemerals() == []


def test_an_approval_that_moves_no_money_is_decided_by_its_request_id(desk: Desk) -> None:
    """An onboarding exception asks a person to approve an action, not an amount: its buttons
    carry amount 0 and no currency, and the click decides it bound to the request id."""
    notice = make_notice(
        ticket_id="onboarding-app-7",
        amount_cents=0,
        currency="",
        refundable_cents=0,
        recent_refunds=[],
        action="plan exception",
    )
    desk.cases.open(notice.ticket_id, notice, ["alice", "bob"], "system:onboarding")
    message = post_request(desk.slack, desk.fake, notice)

    response = desk.send(click(message, "U0ALICE", APPROVE_ACTION))

    assert response.status_code == 200, response.text
    [(ticket, decision)] = desk.cases.submitted
    assert (ticket, decision.request_id, decision.amount_cents) == (
        "onboarding-app-7",
        "req-5b1c",
        None,
    )
    assert desk.fake.ephemerals() == []


def test_forged_signature_is_refused_before_parsing(desk: Desk) -> None:
    message = _single(desk)
    response = desk.send(click(message, "U0ALICE", APPROVE_ACTION), secret="not-the-secret")
    assert response.status_code == 401
    assert desk.cases.submitted == [] and desk.clicks.records == []
    assert desk.fake.calls("chat.update") == []


def test_tampered_body_is_refused(desk: Desk) -> None:
    message = _single(desk)
    body = form_body(click(message, "U0MALLORY", APPROVE_ACTION))
    headers = signed_headers(body)
    forged = body.replace(b"U0MALLORY", b"U0ALICE")
    response = desk.http.post("/slack/interactions", content=forged, headers=headers)
    assert response.status_code == 401
    assert desk.cases.submitted == []


def test_stale_timestamp_is_refused_even_when_signed_correctly(desk: Desk) -> None:
    message = _single(desk)
    six_minutes_ago = int(time.time()) - 6 * 60
    response = desk.send(click(message, "U0ALICE", APPROVE_ACTION), timestamp=six_minutes_ago)
    assert response.status_code == 401
    assert desk.cases.submitted == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Request-Timestamp": str(int(time.time()))},
    ],
)
def test_missing_or_malformed_signature_headers_are_refused(
    desk: Desk, headers: dict[str, str]
) -> None:
    response = desk.http.post("/slack/interactions", content=b"payload=%7B%7D", headers=headers)
    assert response.status_code == 401


def test_signed_garbage_gets_an_answer_not_a_retry(desk: Desk) -> None:
    # A 4xx makes Slack retry and shows the clicker nothing (tests/security has the full table).
    body = b"not a form"
    response = desk.http.post("/slack/interactions", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    assert "could not read this click" in response.json()["text"]
    assert desk.cases.submitted == []


def test_unknown_user_is_told_privately_and_nothing_changes(desk: Desk) -> None:
    message = _single(desk)
    response = desk.send(click(message, "U0MALLORY", APPROVE_ACTION))
    assert response.status_code == 200
    assert desk.cases.submitted == []
    assert desk.fake.calls("chat.update") == []
    [note] = desk.fake.ephemerals()
    assert (note.user, note.channel) == ("U0MALLORY", "C0REFUNDS")
    assert "not an approver" in note.text
    [record] = desk.clicks.records
    assert (record.outcome, record.code, record.approver) == ("refused", "not_an_approver", None)


def test_self_approval_refused_by_the_case_is_explained(desk: Desk) -> None:
    message = _single(desk, requested_by="bob")
    desk.send(click(message, "U0BOB", APPROVE_ACTION))
    [note] = desk.fake.ephemerals()
    assert note.user == "U0BOB" and "cannot decide a refund you requested" in note.text
    assert desk.fake.calls("chat.update") == []
    assert desk.has_buttons(message)
    assert desk.clicks.records[-1].code == "self_approval"


def test_second_click_after_a_decision_is_refused(desk: Desk) -> None:
    message = _single(desk)
    desk.send(click(message, "U0ALICE", APPROVE_ACTION))
    desk.send(click(message, "U0BOB", APPROVE_ACTION))
    [note] = desk.fake.ephemerals()
    assert note.user == "U0BOB" and "already decided" in note.text
    assert len(desk.fake.calls("chat.update")) == 1
    assert [r.outcome for r in desk.clicks.records] == ["accepted", "refused"]


def test_click_on_a_superseded_request_is_stale(desk: Desk) -> None:
    message = _single(desk)
    desk.cases.cases["T-1001"].request_id = "req-newer"
    desk.send(click(message, "U0ALICE", APPROVE_ACTION))
    [note] = desk.fake.ephemerals()
    assert "changed since the message was posted" in note.text
    assert desk.clicks.records[-1].code == "stale_request"


def test_case_unreachable_tells_the_clicker_to_retry(desk: Desk) -> None:
    message = _single(desk)
    desk.cases.unavailable = True
    desk.send(click(message, "U0ALICE", APPROVE_ACTION))
    [note] = desk.fake.ephemerals()
    assert "could not be delivered" in note.text
    assert desk.has_buttons(message)
    assert desk.clicks.records[-1].outcome == "failed"


def test_reject_asks_for_a_reason_then_records_it(desk: Desk) -> None:
    message = _single(desk)

    response = desk.send(click(message, "U0BOB", REJECT_ACTION))

    assert response.status_code == 200
    assert desk.cases.submitted == []  # nothing decided until the reason arrives
    [opened] = desk.fake.views()
    assert opened["trigger_id"]
    view = opened["view"]
    assert view["callback_id"] == REJECT_MODAL
    metadata = json.loads(view["private_metadata"])
    assert metadata["request_id"] == "req-5b1c" and metadata["ticket_id"] == "T-1001"
    assert (metadata["channel"], metadata["message_ts"]) == (message.channel, message.ts)

    submitted = desk.send(
        view_submission(
            user="U0BOB",
            callback_id=REJECT_MODAL,
            private_metadata=view["private_metadata"],
            values=reason_values("  Item was used for 3 months.  "),
        )
    )

    assert submitted.status_code == 200 and submitted.content == b""
    [(_, decision)] = desk.cases.submitted
    assert (decision.decision, decision.approver) == ("reject", "bob")
    assert decision.reason == "Item was used for 3 months."
    status = desk.status_text(message)
    assert "*Rejected* by <@U0BOB>" in status and "Item was used for 3 months." in status
    assert not desk.has_buttons(message)
    assert [(r.action, r.outcome) for r in desk.clicks.records] == [
        ("reject", "reason_requested"),
        ("reject", "accepted"),
    ]


def test_reject_without_a_reason_keeps_the_modal_open(desk: Desk) -> None:
    message = _single(desk)
    desk.send(click(message, "U0BOB", REJECT_ACTION))
    view = desk.fake.views()[0]["view"]
    response = desk.send(
        view_submission(
            user="U0BOB",
            callback_id=REJECT_MODAL,
            private_metadata=view["private_metadata"],
            values=reason_values("   "),
        )
    )
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert "reject_reason" in response.json()["errors"]
    assert desk.cases.submitted == []


def test_reject_by_an_unknown_user_opens_no_modal(desk: Desk) -> None:
    message = _single(desk)
    desk.send(click(message, "U0MALLORY", REJECT_ACTION))
    assert desk.fake.views() == []
    assert "not an approver" in desk.fake.ephemerals()[0].text


def test_dual_control_needs_two_different_approvers(desk: Desk) -> None:
    notice = dual_notice()
    desk.cases.open(notice.ticket_id, notice, ["alice", "carol", "dave"], "agent-7")
    message = post_request(desk.slack, desk.fake, notice)

    desk.send(click(message, "U0ALICE", APPROVE_ACTION))
    assert "*1 of 2 approvals*" in desk.status_text(message)
    assert "<@U0ALICE>" in desk.status_text(message)
    assert desk.has_buttons(message)

    # Slack sends the message as it is now, with the partial status, on the next click.
    current = desk.fake.message(message.channel, message.ts)
    desk.send(click(current, "U0ALICE", APPROVE_ACTION))
    assert "already approved" in desk.fake.ephemerals()[-1].text
    assert desk.cases.cases[notice.ticket_id].status == "pending"

    desk.send(click(current, "U0CAROL", APPROVE_ACTION))
    status = desk.status_text(message)
    assert "*Approved* by <@U0CAROL>" in status and "(2 of 2 approvals)" in status
    assert not desk.has_buttons(message)
    final = desk.fake.message(message.channel, message.ts)
    assert [b.get("block_id") for b in final.blocks].count(STATUS_BLOCK) == 1


def test_user_group_members_decide_as_their_person(
    fake_slack: FakeSlack, slack: SlackApprovals, policy: RefundPolicy
) -> None:
    policy = policy.model_copy(deep=True)
    policy.single_approval.slack_user_group = "S0REFUNDERS"
    fake_slack.user_groups["S0REFUNDERS"] = ["U0GROUPIE", "U0LONER"]
    links = {"U0GROUPIE": " Gina ", "U0ALICE2": "ALICE"}  # the CRM's person keys
    directory = ApproverDirectory(policy, slack.user_group_members, person_for_slack_user=links.get)
    # A group member decides as the person their account is linked to, in canonical form.
    assert directory.person_for("U0GROUPIE", "single") == "gina"
    assert directory.person_for("U0ALICE2", "single") == "alice"
    assert directory.person_for("U0ALICE", "single") == "alice"
    # Linked to nobody: no identity at all, though a member of the group.
    assert directory.person_for("U0LONER", "single") is None
    assert directory.in_approver_group("U0LONER", "single")
    assert directory.in_approver_group("U0GROUPIE", "single")
    assert len(fake_slack.calls("usergroups.users.list")) == 1  # cached
    assert directory.person_for("U0STRANGER", "single") is None
    assert not directory.in_approver_group("U0STRANGER", "single")
    assert directory.group_persons(["U0GROUPIE", "U0LONER", "U0ALICE"], "single") == [
        "alice",
        "gina",
    ]
    assert directory.slack_id_for("Dave") == "U0DAVE"


def test_other_interactions_are_acknowledged_and_ignored(desk: Desk) -> None:
    response = desk.send({"type": "view_closed", "view": {"callback_id": REJECT_MODAL}})
    assert response.status_code == 200
    assert desk.fake.calls() == []


def test_a_replayed_request_changes_nothing(desk: Desk) -> None:
    message = _single(desk)
    body = form_body(click(message, "U0ALICE", APPROVE_ACTION))
    headers = signed_headers(body)
    first = desk.http.post("/slack/interactions", content=body, headers=headers)
    replay = desk.http.post("/slack/interactions", content=body, headers=headers)
    assert first.status_code == replay.status_code == 200
    assert desk.cases.cases["T-1001"].approved_by == ["alice"]
    assert len(desk.fake.calls("chat.update")) == 1
    assert [r.outcome for r in desk.clicks.records] == ["accepted", "refused"]


def test_whoami_answers_from_auth_test(desk: Desk) -> None:
    assert desk.slack.whoami()["user_id"] == "U0SUPPORTBOT"
    assert len(desk.fake.calls("auth.test")) == 1
