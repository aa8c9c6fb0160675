"""Every signed click gets an answer the clicker sees (issue 7, defect 13): a late click hears
"expired", a replayed accepted click hears "already decided" (and nothing is re-posted), and a
garbled payload hears that it could not be read. Unsigned or badly signed requests stay 401."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import APPROVE_ACTION, REJECT_MODAL, ApprovalAction
from integrations.slack_directory import ApproverDirectory
from policies.refund_policy import RefundPolicy
from tests.slack.approval_desk import ClickLog, InMemoryCases, click
from tests.slack.fake_slack import FakeSlack
from tests.slack.slack_requests import (
    SIGNING_SECRET,
    block_actions,
    form_body,
    reason_values,
    signed_headers,
    view_submission,
)
from tests.slack_e2e.click_stack import (
    ClickStack,
    click_stack,
    fake_slack,
    stripe_billing,
    stripe_sandbox,
)
from tests.slack_e2e.live_desk import ALICE, BOB, CAROL, until
from worker.approval_refusals import ApprovalRefused
from worker.approvals import pending_request_id, submit_decision
from worker.slack_clicks import ApprovalClickHandler
from worker.slack_interactions import INTERACTIONS_PATH, slack_interactions_router
from workflows.case.contract import ApprovalDecision

__all__ = ["click_stack", "fake_slack", "stripe_billing", "stripe_sandbox"]

SINGLE_AMOUNT = 18_000
DUAL_AMOUNT = 75_000


# -- late and repeated clicks, against real cases -------------------------------------------


async def test_click_after_expiry_answers_expired(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=SINGLE_AMOUNT)
    _, shown = await stack.waiting(case)  # the message as a client that never refreshed shows it
    assert (await stack.handle(case).result()).state == "expired"  # skips the 24 h

    response = await stack.send(click(shown, BOB, APPROVE_ACTION))

    assert response.status_code == 200
    (told,) = await stack.told(BOB)
    assert "This approval request has expired." in told and "closed" not in told
    assert stack.refunds(case) == []
    # The API and CLI classify the closed case the same way, with or without a request id.
    ticket_id = case.request.ticket_id
    client = stack.runner.client
    with pytest.raises(ApprovalRefused) as without_id:
        await pending_request_id(client, stack.store, ticket_id)
    assert without_id.value.code == "expired"
    request_id = ApprovalAction.decode(_approve_value(shown)).request_id
    decision = ApprovalDecision(
        request_id=request_id, approver="carol", decision="approve", channel="api"
    )
    with pytest.raises(ApprovalRefused) as with_id:
        await submit_decision(client, stack.store, ticket_id, decision)
    assert with_id.value.code == "expired"


async def test_replayed_accepted_click_says_already_decided(click_stack: ClickStack) -> None:
    stack = click_stack
    case = await stack.file(amount_cents=SINGLE_AMOUNT)
    _, message = await stack.waiting(case)
    body = form_body(click(stack.slack.message(message.channel, message.ts), BOB, APPROVE_ACTION))
    headers = signed_headers(body)

    first = await stack.http.post(INTERACTIONS_PATH, content=body, headers=headers)
    assert first.status_code == 200
    assert (await stack.handle(case).result()).state == "resolved"
    approved_posts = _approved_updates(stack)
    assert approved_posts  # the click handler's and the worker's renderings

    # Slack retries a delivery it thinks failed (same body, same signature, in the window).
    replay = await stack.http.post(INTERACTIONS_PATH, content=body, headers=headers)

    assert replay.status_code == 200
    (told,) = await stack.told(BOB)
    assert "already decided" in told and "You already approved this request" in told
    assert _approved_updates(stack) == approved_posts
    assert stack.refunds(case) == [SINGLE_AMOUNT]


async def test_click_after_deciding_elsewhere_says_already_decided(
    click_stack: ClickStack,
) -> None:
    """alice approved over the API; her Slack click has the same Update id, so Temporal would
    return her first receipt. The CRM's record of her decision answers it instead."""
    stack = click_stack
    case = await stack.file(amount_cents=DUAL_AMOUNT)
    status, message = await stack.waiting(case)
    assert status.pending_approval is not None
    decision = ApprovalDecision(
        request_id=status.pending_approval.request_id,
        approver="alice",
        decision="approve",
        channel="api",
    )
    await submit_decision(stack.runner.client, stack.store, case.request.ticket_id, decision)

    async def recorded() -> bool | None:
        approval = stack.store.get_approval(decision.request_id)
        return True if approval is not None and approval.decisions else None

    await until(recorded, "alice's decision in the CRM")

    # The workflow records the decision, then shows it on the message: wait for both, so the
    # count below is of what the click does, not of the workflow's own update still in flight.
    async def shown() -> bool | None:
        return True if "1 of 2 approvals" in stack.status_line(message) else None

    await until(shown, "alice's approval on the Slack message")
    updates_before = len(stack.slack.calls("chat.update"))

    await stack.click(message, ALICE)

    (told,) = await stack.told(ALICE)
    assert "You already approved this request" in told
    assert len(stack.slack.calls("chat.update")) == updates_before
    await stack.click(message, CAROL)
    assert (await stack.handle(case).result()).state == "resolved"


async def test_value_naming_no_case_is_answered(click_stack: ClickStack) -> None:
    value = ApprovalAction(
        ticket_id="T-nope", request_id="req-nope", amount_cents=100, currency="usd", level="single"
    ).encode()
    response = await click_stack.send(_button(value=value))
    assert response.status_code == 200
    (told,) = await click_stack.told(ALICE)
    assert "Nothing was changed." in told


# -- garbled payloads, against the endpoint alone -------------------------------------------


@pytest.fixture
def endpoint(
    fake_slack: FakeSlack,
    policy: RefundPolicy,
) -> Iterator[tuple[TestClient, InMemoryCases, FakeSlack]]:
    slack = SlackApprovals.connect("xoxb-supportflow-test", fake_slack.base_url, timeout=5)
    cases = InMemoryCases()
    handler = ApprovalClickHandler(
        slack=slack,
        directory=ApproverDirectory(policy, slack.user_group_members),
        submit_decision=cases.submit,
        temporal_client=object(),  # type: ignore[arg-type]
        store=object(),  # type: ignore[arg-type]
        record_click=ClickLog().record,
    )
    app = FastAPI()
    app.include_router(slack_interactions_router(signing_secret=SIGNING_SECRET, handler=handler))
    with TestClient(app) as http:
        yield http, cases, fake_slack


@pytest.fixture
def policy() -> RefundPolicy:
    from policies.loader import load_refund_policy

    return load_refund_policy().policy


def _approve_value(message: Any) -> str:
    actions = next(b for b in message.blocks if b.get("block_id") == "approval_actions")
    return str(next(e for e in actions["elements"] if e["action_id"] == APPROVE_ACTION)["value"])


def _button(**change: Any) -> dict[str, Any]:
    """A block_actions click by alice on a message in #C0REFUNDS, with `change` applied."""
    value = change.pop(
        "value",
        ApprovalAction(
            ticket_id="T-1001",
            request_id="req-5b1c",
            amount_cents=12_950,
            currency="usd",
            level="single",
        ).encode(),
    )
    action_id = change.pop("action_id", APPROVE_ACTION)
    payload = block_actions(
        user=ALICE,
        action_id=action_id,
        value=value,
        channel="C0REFUNDS",
        message_ts="1700000000.000100",
        blocks=[],
    )
    for key, replacement in change.items():
        if replacement is None:
            payload.pop(key, None)
        else:
            payload[key] = replacement
    return payload


def _raw(payload_field: str) -> bytes:
    return urlencode({"payload": payload_field}).encode()


# (body, whether the clicker can also be told by chat.postEphemeral)
MALFORMED: dict[str, tuple[bytes, bool]] = {
    "payload-not-json": (_raw("{not json"), False),
    "payload-a-list": (_raw("[1, 2]"), False),
    "no-payload-field": (b"token=abc&type=block_actions", False),
    "not-a-form": (b"not a form", False),
    "not-utf8": (b"payload=%ff%fe" + bytes([0xFF, 0xFE]), False),
    "deeply-nested": (_raw("[" * 20_000 + "]" * 20_000), False),
    "no-type": (form_body({"user": {"id": ALICE}}), False),
    "type-not-a-string": (form_body({"type": ["block_actions"]}), False),
    "no-actions": (form_body(_button(actions=None)), True),
    "actions-not-a-list": (form_body(_button(actions={"action_id": APPROVE_ACTION})), True),
    "unknown-action-id": (form_body(_button(action_id="approval_delete")), True),
    "value-not-json": (form_body(_button(value="approve please")), True),
    "value-not-an-object": (form_body(_button(value="42")), True),
    "value-missing-fields": (form_body(_button(value=json.dumps({"ticket_id": "T-1"}))), True),
    "value-negative-amount": (
        form_body(
            _button(
                value=json.dumps(
                    {
                        "ticket_id": "T-1",
                        "request_id": "r",
                        "amount_cents": -5,
                        "currency": "usd",
                        "level": "single",
                    }
                )
            )
        ),
        True,
    ),
    "value-oversized-id": (
        form_body(
            _button(
                value=json.dumps(
                    {
                        "ticket_id": "T-1",
                        "request_id": "r" * 500,
                        "amount_cents": 5,
                        "currency": "usd",
                        "level": "single",
                    }
                )
            )
        ),
        True,
    ),
    "no-user": (form_body(_button(user=None)), False),
    "user-a-string": (form_body(_button(user=ALICE)), False),
    "no-channel": (form_body(_button(container={"type": "message"}, channel=None)), False),
    "container-a-list": (form_body(_button(container=[1], channel=None)), False),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_signed_malformed_click_gets_an_answer(
    endpoint: tuple[TestClient, InMemoryCases, FakeSlack], name: str
) -> None:
    http, cases, fake = endpoint
    body, ephemeral = MALFORMED[name]

    response = http.post(INTERACTIONS_PATH, content=body, headers=signed_headers(body))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "could not read this click" in answer["text"]
    assert "nothing was decided" in answer["text"]
    assert cases.submitted == []
    told = [e for e in fake.ephemerals() if e.user == ALICE]
    if ephemeral:
        assert len(told) == 1 and "could not read this click" in told[0].text
    else:
        assert told == []


@pytest.mark.parametrize(
    "metadata", ["", "{not json", json.dumps({"ticket_id": "T-1"}), json.dumps([1])]
)
def test_reject_form_with_garbled_metadata_shows_an_error(
    endpoint: tuple[TestClient, InMemoryCases, FakeSlack], metadata: str
) -> None:
    http, cases, _ = endpoint
    payload = view_submission(
        user=BOB,
        callback_id=REJECT_MODAL,
        private_metadata=metadata,
        values=reason_values("Used for months"),
    )
    body = form_body(payload)

    response = http.post(INTERACTIONS_PATH, content=body, headers=signed_headers(body))

    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "no longer matches a refund request" in answer["errors"]["reject_reason"]
    assert cases.submitted == []


@pytest.mark.parametrize("view", [{"callback_id": "someone_elses_form"}, None, "a string"])
def test_form_we_did_not_open_is_answered(
    endpoint: tuple[TestClient, InMemoryCases, FakeSlack], view: Any
) -> None:
    http, cases, _ = endpoint
    body = form_body({"type": "view_submission", "user": {"id": BOB}, "view": view})
    response = http.post(INTERACTIONS_PATH, content=body, headers=signed_headers(body))
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_action"] == "update"
    assert "no longer matches a refund request" in json.dumps(answer["view"])
    assert cases.submitted == []


@pytest.mark.parametrize("name", ["not-json-but-valid-click", *sorted(MALFORMED)[:4]])
@pytest.mark.parametrize("forge", ["wrong-secret", "no-signature", "stale", "tampered"])
def test_unsigned_or_badly_signed_stays_401(
    endpoint: tuple[TestClient, InMemoryCases, FakeSlack], name: str, forge: str
) -> None:
    http, cases, fake = endpoint
    body = form_body(_button()) if name == "not-json-but-valid-click" else MALFORMED[name][0]
    if forge == "wrong-secret":
        headers = signed_headers(body, secret="not-the-secret")
    elif forge == "stale":
        headers = signed_headers(body, timestamp=1_600_000_000)
    else:
        headers = signed_headers(body)
        if forge == "no-signature":
            del headers["X-Slack-Signature"]
        else:
            body = body + b"&x=1"

    response = http.post(INTERACTIONS_PATH, content=body, headers=headers)

    assert response.status_code == 401
    assert cases.submitted == [] and fake.calls() == []


def _approved_updates(stack: ClickStack) -> int:
    return sum(
        1
        for c in stack.slack.calls("chat.update")
        if str(c.args.get("text")).startswith("Approved")
    )
