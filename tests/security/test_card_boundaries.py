"""Defence in depth: text that never passed intake (a case started directly, a draft, a policy
reason) still loses its card numbers at the boundary where it leaves for another system."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.handoff import HandoffActivities
from activities.knowledge import KnowledgeActivities
from activities.ticket_models import DraftAnswerInput, HandoffInput
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.openai_answer import OpenAIAnswerDrafter
from integrations.openai_llm import LlmConfig, make_client
from integrations.slack_approvals import SlackApprovals
from tests.knowledge.conftest import demo_articles, demo_kb
from tests.slack.fake_slack import BOT_TOKEN, FakeSlack, fake_slack
from tests.triage.fake_openai import API_KEY, FakeOpenAI, fake_openai
from tests.triage.test_handoff_activities import CHANNEL, package
from tests.triage.ticket_harness import DANA, seeded_store

__all__ = ["demo_articles", "demo_kb", "fake_openai", "fake_slack"]
CARD, DIGITS = "4242 4242 4242 4242", "4242424242424242"


def squeezed(text: str) -> str:
    return text.replace(" ", "").replace("-", "")


async def test_the_knowledge_drafter_sends_the_llm_no_card_number(
    demo_kb: SqliteKnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    config = LlmConfig(api_key=API_KEY, model="gpt-test", base_url=fake_openai.base_url)
    activities = KnowledgeActivities(demo_kb, OpenAIAnswerDrafter(make_client(config), "gpt-test"))
    question = f"How long does a refund take to reach my card {CARD}?"
    fake_openai.reply_json(
        {"answer": "5-10 business days.", "used_passages": [1], "answered": True}
    )
    data = DraftAnswerInput(ticket_id="T", question=question, passages=demo_kb.search(question, 2))
    await ActivityEnvironment().run(activities.draft_answer, data)
    [sent] = fake_openai.requests
    assert DIGITS not in squeezed(json.dumps(sent)) and "[card hidden]" in json.dumps(sent)


def test_a_hand_off_posts_and_stores_no_card_number(tmp_path: Path, fake_slack: FakeSlack) -> None:
    store = seeded_store(tmp_path)
    store.upsert_ticket(ticket_id="T-1", customer_id=DANA.id, process="ticket", body="help")
    slack = SlackApprovals.connect(BOT_TOKEN, fake_slack.base_url, timeout=5)
    leaky = package().model_copy(
        update={
            "summary": f"Customer paid with {CARD}",
            "draft_reply": f"We refunded card {CARD}.",
            "tried": [f"Looked up {CARD}"],
        }
    )
    ActivityEnvironment().run(
        HandoffActivities(store, slack).hand_off_ticket,
        HandoffInput(package=leaky, slack_channel=CHANNEL),
    )
    ticket = store.get_ticket("T-1")
    assert ticket is not None
    [note] = ticket.notes
    posted = json.dumps([call.args for call in fake_slack.calls("chat.postMessage")])
    assert fake_slack.calls("chat.postMessage")
    assert DIGITS not in squeezed(note.body) and DIGITS not in squeezed(posted)
    assert "[card hidden]" in note.body
