"""Defect 11 end to end: a card number a customer types reaches no other system.

The stack: the real API served by uvicorn on loopback (authenticated with the helpdesk's key),
the production worker with Slack configured (the fake Slack) and an LLM configured (the fake
OpenAI, scripted per test), the dev server, a SQLite CRM and the Stripe sandbox. Card numbers go
in through `POST /tickets` and `POST /tickets/{id}/replies`; afterwards every place the text
could have landed is read back: each workflow history of the case (payloads decoded), every row
of every CRM table, every call the fake Slack received and every request the fake OpenAI
received. A card number written with other spacing is still the card, so the scanned text is
compared with spaces and dashes stripped.

Non-card numbers (an order reference, a phone number) must survive, and the customer's reply
must ask them never to send card data.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import MetaData, select
from temporalio.testing import WorkflowEnvironment

from activities.policy import PolicyActivities
from integrations.card_numbers import REPLACEMENT
from integrations.crm_store.store import CrmStore
from integrations.slack_approvals import SlackApprovals
from integrations.stripe_billing import StripeBilling
from policies.loader import DEFAULT_REFUND_POLICY, load_refund_policy
from tests.api_keys import CallerKeys
from tests.codec.personal_data import decrypted_in_place
from tests.e2e.triage_stack import replay_and_keep, seed_customer, seed_paid_order
from tests.loopback_api import serve_api
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack
from tests.slack.slack_requests import SIGNING_SECRET
from tests.stripe_fixtures import stripe_billing, stripe_sandbox
from tests.triage.fake_openai import API_KEY, FakeOpenAI, fake_openai
from worker.activity_wiring import chat_activities
from worker.api import create_app
from worker.local_stack.demo_triage import ingest_demo_help_center
from worker.settings import Settings
from worker.ticket_activities import ticket_activity_list
from worker.worker_app import WorkerDeps, build_worker
from workflows.case.contract import case_workflow_id, process_workflow_id
from workflows.refund.replies import CARD_DATA_NOTICE

__all__ = ["fake_openai", "fake_slack", "stripe_billing", "stripe_sandbox"]

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 60.0
# Under the shipped refund policy a standard customer's refund up to 50.00 is automatic and one
# above it needs an approver.
AUTO_AMOUNT, APPROVAL_AMOUNT = 2500, 9000

VISA_SPACED, VISA_DASHED, VISA_PLAIN = (
    "4242 4242 4242 4242",
    "4242-4242-4242-4242",
    "4242424242424242",
)
AMEX = "378282246310005"
CARD_DIGITS = ("4242424242424242", "378282246310005")
ORDER_REFERENCE = "ord_5001"  # an order number the customer quotes: not a card
PHONE = "+1 415-555-0134"


def card_text() -> str:
    return (
        f"I paid with {VISA_SPACED} (or maybe {VISA_DASHED}, the app says {VISA_PLAIN}); "
        f"my other card is Amex {AMEX}. Same as on {ORDER_REFERENCE}. Call me on {PHONE}."
    )


def assessment(intent: str, order_ids: list[str], summary: str) -> dict[str, Any]:
    """What the fake LLM answers for a triage request."""
    return {
        "intent": intent,
        "confidence": 0.9,
        "urgency": "normal",
        "sentiment": "neutral",
        "language": "en",
        "signals": [],
        "entities": {"order_ids": order_ids, "emails": [], "amounts_mentioned": []},
        "summary": summary,
    }


# -- the scan ---------------------------------------------------------------------------------


def _decoded(value: str) -> str | None:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _texts(node: object) -> Iterator[str]:
    """Every string in a JSON tree, plus the decoded form of every base64 value: a history's
    payloads (inputs, results, search attributes, summaries) are base64 JSON in its JSON form."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)
    elif isinstance(node, str):
        yield node
        decoded = _decoded(node) if len(node) >= 4 else None
        if decoded is not None:
            yield decoded


def card_digits_in(text: str) -> list[str]:
    """The test cards found in `text`, however they are spaced or dashed."""
    squeezed = re.sub(r"[\s\-]", "", text)
    return [digits for digits in CARD_DIGITS if digits in squeezed]


async def history_text(env: WorkflowEnvironment, workflow_id: str) -> str:
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    # Redaction happens at intake: no card even once the payloads are decrypted.
    codec = env.client.data_converter.payload_codec
    assert codec is not None
    history = await decrypted_in_place(history, codec)
    return "\n".join(_texts(json.loads(history.to_json())))


def crm_text(store: CrmStore) -> str:
    """Every row of every table in the CRM database, not only the ticket's own views."""
    metadata = MetaData()
    metadata.reflect(store.engine)
    lines: list[str] = []
    with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(" | ".join(str(value) for value in row))
    return "\n".join(lines)


async def assert_no_card_anywhere(
    env: WorkflowEnvironment,
    store: CrmStore,
    slack: FakeSlack,
    llm: FakeOpenAI,
    workflow_ids: list[str],
) -> str:
    """Scans every system for the test cards; returns the scanned history text so callers can
    check what must survive."""
    histories = [await history_text(env, workflow_id) for workflow_id in workflow_ids]
    places = {
        **{f"history of {wid}": text for wid, text in zip(workflow_ids, histories, strict=True)},
        "CRM database": await asyncio.to_thread(crm_text, store),
        "Slack calls": json.dumps([(c.method, c.args) for c in slack.calls()], default=str),
        "LLM requests": json.dumps(llm.requests),
    }
    found = {place: card_digits_in(text) for place, text in places.items()}
    assert all(not cards for cards in found.values()), found
    return "\n".join(histories)


async def assert_case_holds_no_card(
    env: WorkflowEnvironment,
    store: CrmStore,
    slack: FakeSlack,
    llm: FakeOpenAI,
    workflow_ids: list[str],
    view: dict[str, Any],
) -> None:
    """What every case here ends with: no card anywhere, the other numbers kept, the notice in
    the customer's reply, and histories that replay."""
    histories = await assert_no_card_anywhere(env, store, slack, llm, workflow_ids)
    assert_non_card_numbers_survive(histories)
    assert card_digits_in(json.dumps(view)) == []
    assert CARD_DATA_NOTICE in final_reply(view)
    await replay_and_keep(env.client, workflow_ids, None)


# -- the stack --------------------------------------------------------------------------------


@pytest.fixture
def settings(
    task_queue: str, tmp_path: Path, fake_slack: FakeSlack, fake_openai: FakeOpenAI
) -> Settings:
    """Slack and an LLM both configured, pointed at the fakes; explicit values only."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        SUPPORTFLOW_TASK_QUEUE=task_queue,
        DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
        SUPPORTFLOW_API_URL="http://api.test",
        TEMPORAL_UI_URL="http://127.0.0.1:8233",
        SUPPORTFLOW_POLICY_PATH=DEFAULT_REFUND_POLICY,
        SUPPORTFLOW_KNOWLEDGE_DB=tmp_path / "knowledge.db",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE=fake_slack.base_url,
        SLACK_APP_TOKEN=None,
        OPENAI_API_KEY=API_KEY,
        OPENAI_BASE_URL=fake_openai.base_url,
        OPENAI_MODEL="gpt-test-mini",
        WEAVIATE_URL=None,
    )


@pytest_asyncio.fixture
async def http(
    dev_server_env: WorkflowEnvironment,
    settings: Settings,
    task_queue: str,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,
    api_keys: CallerKeys,
) -> AsyncIterator[httpx.AsyncClient]:
    """The production worker (approvals and hand-offs posted to the fake Slack, triage and
    answers drafted by the fake LLM; no workflow cache, so every task replays) and the API on a
    loopback socket, called with the helpdesk's key."""
    policy = load_refund_policy(settings.policy_path).policy
    ingest_demo_help_center(settings)
    handoff_slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    deps = WorkerDeps(
        store=crm_store,
        billing=stripe_billing,
        chat=chat_activities(settings, policy),
        policy=PolicyActivities(settings.policy_path),
        ticket=ticket_activity_list(crm_store, settings, slack=handoff_slack),
    )
    worker = build_worker(
        dev_server_env.client, settings, deps=deps, task_queue=task_queue, max_cached_workflows=0
    )
    app = create_app(settings, temporal_client=dev_server_env.client, store=crm_store)
    async with (
        worker,
        serve_api(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers=api_keys.system_headers) as client,
    ):
        yield client


def ticket_id_for(name: str) -> str:
    return f"T-card-{name}-{time.monotonic_ns() % 10**10}"


async def file(http: httpx.AsyncClient, **ticket: Any) -> None:
    response = await http.post("/tickets", json=ticket)
    assert response.status_code == 202, response.text


async def poll(
    http: httpx.AsyncClient, ticket_id: str, done: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    give_up = time.monotonic() + DEADLINE_SECONDS
    view: dict[str, Any] = {}
    while time.monotonic() < give_up:
        response = await http.get(f"/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        view = response.json()
        if done(view):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"ticket {ticket_id} never {what}; last view: {view}")


async def closed(http: httpx.AsyncClient, ticket_id: str) -> dict[str, Any]:
    """Once closed, the API answers from the CRM record (outbox, notes, audit)."""
    return await poll(http, ticket_id, lambda v: v["source"] == "database", "closed")


def final_reply(view: dict[str, Any]) -> str:
    return str(view["record"]["outbox"][-1]["body"])


def assert_non_card_numbers_survive(text: str) -> None:
    assert ORDER_REFERENCE in text and PHONE in text and REPLACEMENT in text, text[:2000]


# -- the tests --------------------------------------------------------------------------------


async def test_refund_ticket_needing_approval_keeps_no_card_number(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
) -> None:
    order = seed_paid_order(crm_store, stripe_billing, APPROVAL_AMOUNT)
    ticket_id = ticket_id_for("refund")
    await file(
        http,
        ticket_id=ticket_id,
        process="refund",
        customer_id=order.customer_id,
        order_id=order.order_id,
        subject=f"Refund to card {VISA_DASHED}",
        body=f"The lamp from {order.order_id} arrived broken. {card_text()}",
    )
    for _ in range(200):
        if await asyncio.to_thread(crm_store.pending_approval_for_ticket, ticket_id):
            break
        await asyncio.sleep(0.05)
    decided = await http.post(
        f"/tickets/{ticket_id}/approvals",
        json={"decision": "approve", "reason": "broken on arrival"},
        headers=api_keys.person("alice"),
    )
    assert decided.status_code == 200, decided.text
    view = await poll(
        http, ticket_id, lambda v: (v["source"], v["state"]) == ("database", "resolved"), "resolved"
    )
    # The approval notice went to Slack (and was updated with the decision).
    assert fake_slack.calls("chat.postMessage") and fake_slack.calls("chat.update")
    ticket = await asyncio.to_thread(crm_store.get_ticket, ticket_id)
    assert ticket is not None
    assert_non_card_numbers_survive(ticket.body)
    assert REPLACEMENT in ticket.subject

    workflow_ids = [case_workflow_id(ticket_id)]
    await assert_case_holds_no_card(
        dev_server_env, crm_store, fake_slack, fake_openai, workflow_ids, view
    )


async def test_triaged_ticket_sends_the_llm_no_card_number(
    http: httpx.AsyncClient,
    api_keys: CallerKeys,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
) -> None:
    customer_id = seed_customer(crm_store)
    ticket_id = ticket_id_for("howto")
    fake_openai.reply_json(
        assessment("how_to", [], "Customer asks how long a refund takes to reach their card.")
    )
    fake_openai.reply_json(
        {
            "answer": "Refunds usually appear within 5-10 business days.",
            "used_passages": [1],
            "answered": True,
        }
    )
    await file(
        http,
        ticket_id=ticket_id,
        customer_id=customer_id,
        subject="Refund timing",
        body=f"How long does a refund take to show up on my credit card? {card_text()}",
    )
    # The card sentences dilute how much of the question the article covers, so the drafted
    # answer may be held for review: then a person sends it, as the review loop has them do.
    settled = await poll(
        http,
        ticket_id,
        lambda v: (
            v["source"] == "database"
            or ((v.get("status") or {}).get("review") or {}).get("state") == "waiting"
        ),
        "closed or waited for a person",
    )
    if settled["source"] != "database":
        sent = await http.post(
            f"/tickets/{ticket_id}/handoff/send", json={}, headers=api_keys.person("erin")
        )
        assert sent.status_code == 200, sent.text
        # Answered by a person, the case stays open for the reopen window: read the CRM's outbox.
        view = await poll(http, ticket_id, lambda v: v["state"] == "resolved", "resolved")
        outbox = [m.model_dump(mode="json") for m in crm_store.list_outbox(ticket_id)]
        view = {**view, "record": {"outbox": outbox}}
    else:
        view = settled
    # The LLM was asked (triage, and the drafted answer when the help center matched).
    assert fake_openai.requests
    assert_non_card_numbers_survive(json.dumps(fake_openai.requests[0]))

    workflow_ids = [case_workflow_id(ticket_id)]
    await assert_case_holds_no_card(
        dev_server_env, crm_store, fake_slack, fake_openai, workflow_ids, view
    )


async def test_reply_with_a_card_number_is_redacted_and_answered_with_the_notice(
    http: httpx.AsyncClient,
    dev_server_env: WorkflowEnvironment,
    crm_store: CrmStore,
    stripe_billing: StripeBilling,
    fake_slack: FakeSlack,
    fake_openai: FakeOpenAI,
) -> None:
    order = seed_paid_order(crm_store, stripe_billing, AUTO_AMOUNT)
    ticket_id = ticket_id_for("reply")
    fake_openai.reply_json(assessment("refund_request", [], "Customer wants a lamp refunded."))
    fake_openai.reply_json(
        assessment("refund_request", [f"#{order.number}"], "Customer wants a lamp refunded.")
    )
    # The ticket itself holds no card: the notice must come from the reply.
    await file(
        http,
        ticket_id=ticket_id,
        customer_id=order.customer_id,
        subject="Flickering lamp",
        body="The lamp I bought flickers, I want a refund.",
    )
    await poll(http, ticket_id, lambda v: v["state"] == "awaiting_customer", "asked the customer")
    replied = await http.post(
        f"/tickets/{ticket_id}/replies",
        json={"text": f"Sorry! It's order #{order.number}. {card_text()}", "reply_id": "m-1"},
    )
    assert replied.status_code == 202, replied.text

    view = await poll(
        http, ticket_id, lambda v: (v["source"], v["state"]) == ("database", "resolved"), "resolved"
    )
    assert [r.amount_cents for r in stripe_billing.list_refunds(order.charge_id)] == [AUTO_AMOUNT]
    assert len(fake_openai.requests) == 2
    assert_non_card_numbers_survive(json.dumps(fake_openai.requests[1]))

    case_id = case_workflow_id(ticket_id)
    workflow_ids = [case_id, process_workflow_id(case_id, "refund")]
    await assert_case_holds_no_card(
        dev_server_env, crm_store, fake_slack, fake_openai, workflow_ids, view
    )
