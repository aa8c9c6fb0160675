"""Requests that must not decide anything: forged or stale signatures, replays, people the
policy does not allow, and requesters approving their own case.

Each refused attempt is checked where it would show: no refund in the Stripe sandbox, the case
still waiting with no approval counted, no message update in Slack, and (when the request was
genuinely Slack's) an ephemeral reply to the clicker plus a refused click in the CRM audit. Each
test then lets a legitimate approver decide, to show the attempt left the case intact.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.slack.approval_desk import click
from tests.slack.fake_slack import SlackMessage
from tests.slack.slack_requests import form_body, signed_headers
from tests.slack_e2e.live_desk import ALICE, BOB, CAROL, DAVE, STRANGER, LiveDesk
from tests.workflows.case_factory import SeededCase, seed_case

pytestmark = pytest.mark.slow

SINGLE_AMOUNT = 18_000
SIGNATURE_WINDOW_SECONDS = 5 * 60
# A 401 must be final: give any work wrongly started behind it time to show before asserting.
SETTLE_SECONDS = 0.5


async def assert_untouched(desk: LiveDesk, case: SeededCase, message: SlackMessage) -> None:
    status = await desk.status(case)
    assert status.state == "awaiting_approval"
    assert status.pending_approval is not None and status.pending_approval.approved_by == []
    assert desk.refunds(case) == []
    assert desk.slack.calls("chat.update") == []
    assert desk.slack.message(message.channel, message.ts).edited == 0
    assert desk.has_buttons(message)
    (approval,) = desk.ticket(case).approvals
    assert (approval.status, approval.decisions) == ("pending", [])


async def approve_legitimately(desk: LiveDesk, case: SeededCase, message: SlackMessage) -> None:
    await desk.click(message, CAROL)
    assert (await desk.outcome(case)).state == "resolved"
    assert desk.refunds(case) == [SINGLE_AMOUNT]


def _stale(body: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A genuine Slack request captured and sent again after the 5-minute window."""
    then = int(time.time()) - SIGNATURE_WINDOW_SECONDS - 60
    return body, signed_headers(body, timestamp=then)


def _future(body: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    later = int(time.time()) + SIGNATURE_WINDOW_SECONDS + 60
    return body, signed_headers(body, timestamp=later)


def _wrong_secret(body: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    return body, signed_headers(body, secret="not-the-signing-secret")


def _tampered(body: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A stranger's own signed click, re-sent with the user switched to an approver."""
    headers = signed_headers(body)
    forged = {**payload, "user": {**payload["user"], "id": ALICE}}
    return form_body(forged), headers


def _unsigned(body: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    headers = signed_headers(body)
    del headers["X-Slack-Signature"]
    return body, headers


FORGERIES: dict[str, Callable[[bytes, dict[str, Any]], tuple[bytes, dict[str, str]]]] = {
    "wrong-secret": _wrong_secret,
    "stale-timestamp": _stale,
    "future-timestamp": _future,
    "tampered-body": _tampered,
    "unsigned": _unsigned,
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_unverified_requests_get_401_and_change_nothing(desk: LiveDesk, forgery: str) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)
    clicker = STRANGER if forgery == "tampered-body" else ALICE
    payload = click(message, clicker, "approval_approve")
    body, headers = FORGERIES[forgery](form_body(payload), payload)

    response = await desk.send_raw(body, headers)
    assert response.status_code == 401, response.text
    await asyncio.sleep(SETTLE_SECONDS)

    await assert_untouched(desk, case, message)
    # Refused before the payload is read: no ephemeral, no modal, no audited click.
    assert desk.slack.ephemerals() == [] and desk.slack.views() == []
    assert desk.clicks(case) == []
    await approve_legitimately(desk, case, message)


async def test_replayed_request_decides_once(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)
    body = form_body(click(message, ALICE, "approval_approve"))
    headers = signed_headers(body)

    # The same signed bytes twice at once (inside Slack's window the signature stays valid),
    # then once more after the case has closed.
    first, second = await asyncio.gather(desk.send_raw(body, headers), desk.send_raw(body, headers))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (await desk.outcome(case)).state == "resolved"
    await desk.clicks_recorded(case, 2)
    late = await desk.send_raw(body, headers)
    assert late.status_code == 200
    clicks = await desk.clicks_recorded(case, 3)

    assert desk.refunds(case) == [SINGLE_AMOUNT]
    (approval,) = desk.ticket(case).approvals
    assert [(d.approver, d.decision) for d in approval.decisions] == [("alice", "approve")]
    assert [e.action for e in desk.ticket(case).audit].count("approved") == 1
    # One copy decides; every other copy is answered "already decided" (audited as refused)
    # instead of being shown as a fresh approval, and none is a second decision.
    actions = [c.action for c in clicks]
    assert actions.count("slack_click_accepted") == 1
    assert actions.count("slack_click_refused") == 2
    assert len(desk.slack.ephemerals()) == 2
    assert all("already" in e.text for e in desk.slack.ephemerals())
    assert all(t.startswith("Approved: ") for t in desk.update_texts())


@pytest.mark.parametrize(
    ("clicker", "actor"),
    [(STRANGER, f"slack:{STRANGER}"), (DAVE, "dave")],
    ids=["unknown-to-policy", "approver-of-another-level"],
)
async def test_unauthorized_user_is_told_why(desk: LiveDesk, clicker: str, actor: str) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT)
    await desk.file(case)
    _, message = await desk.waiting(case)

    await desk.click(message, clicker)
    (told,) = await desk.ephemeral_for(clicker)
    assert "You are not an approver for this refund." in told
    assert "Nothing was changed." in told
    (clicked,) = await desk.clicks_recorded(case, 1)
    assert (clicked.actor, clicked.action) == (actor, "slack_click_refused")
    assert "not_an_approver" in clicked.detail
    await assert_untouched(desk, case, message)

    await approve_legitimately(desk, case, message)


async def test_requester_cannot_approve_their_own_case(desk: LiveDesk) -> None:
    case = seed_case(desk.store, desk.billing, amount_cents=SINGLE_AMOUNT, requested_by="alice")
    await desk.file(case)
    status, message = await desk.waiting(case)
    assert status.pending_approval is not None
    assert status.pending_approval.requested_by == "alice"

    await desk.click(message, ALICE)
    (told,) = await desk.ephemeral_for(ALICE)
    assert "You cannot decide a refund you requested." in told
    (clicked,) = await desk.clicks_recorded(case, 1)
    assert (clicked.actor, clicked.action) == ("alice", "slack_click_refused")
    assert "self_approval" in clicked.detail
    await assert_untouched(desk, case, message)
    assert any(
        e.action == "approval_refused" and "self_approval" in e.detail
        for e in desk.ticket(case).audit
    )

    await desk.click(message, BOB)
    assert (await desk.outcome(case)).state == "resolved"
    assert desk.refunds(case) == [SINGLE_AMOUNT]
    (approval,) = desk.ticket(case).approvals
    assert approval.approved_by == ["bob"]
