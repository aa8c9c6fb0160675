"""Knowledge answers: extractive drafts, LLM drafts through the fake server, citations, and
the confidence that decides whether a person reviews the draft."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.knowledge import KnowledgeActivities
from activities.ticket_models import DraftAnswerInput, SearchKnowledgeInput
from integrations.knowledge.answers import answer_confidence, extractive_answer
from integrations.knowledge.sqlite_fts import SqliteKnowledgeBase
from integrations.openai_answer import UNANSWERED_CONFIDENCE_CAP, OpenAIAnswerDrafter
from integrations.openai_llm import LlmConfig, make_client
from tests.triage.fake_openai import API_KEY, FakeOpenAI, Scripted, fake_openai

__all__ = ["fake_openai"]
REFUND_TIMING = "https://help.harborandpine.example/articles/refund-timing"


def test_extractive_answer_quotes_and_cites(demo_kb: SqliteKnowledgeBase) -> None:
    question = "How long does a refund take to show up on my credit card?"
    passages = demo_kb.search(question, k=4)
    answer = extractive_answer(question, passages)
    assert "5 to 10 business days" in answer.text
    assert [c.url for c in answer.citations] == [REFUND_TIMING]
    assert answer.confidence >= 0.6
    assert answer.engine == "extractive"


@pytest.mark.parametrize(
    ("question", "low"),
    [
        ("How long does a refund take to show up on my card?", False),
        ("Do you ship to Canada?", False),
        ("Can I pay with bitcoin or other crypto currencies?", True),
        ("What is the meaning of life?", True),
    ],
)
def test_confidence_separates_answerable_questions(
    demo_kb: SqliteKnowledgeBase, question: str, low: bool
) -> None:
    confidence = answer_confidence(question, demo_kb.search(question, k=4))
    assert (confidence < 0.5) is low, confidence


def test_no_passages_no_confidence() -> None:
    assert answer_confidence("refund", []) == 0.0


async def test_activities_search_and_draft(demo_kb: SqliteKnowledgeBase) -> None:
    activities = KnowledgeActivities(demo_kb)
    env = ActivityEnvironment()
    found = env.run(
        activities.search_knowledge,
        SearchKnowledgeInput(query="refund approval limits", k=5, audience="internal"),
    )
    assert any(p.audience == "internal" for p in found.passages)
    answer = await env.run(
        activities.draft_answer,
        DraftAnswerInput(
            ticket_id="T-9",
            question="refund approval limits",
            passages=found.passages,
            customer_name="Dana",
        ),
    )
    # Customer-facing drafts never quote internal articles, even when handed some.
    assert all("wiki.harborandpine" not in c.url for c in answer.citations)
    assert answer.reply.body.startswith("Hi Dana,")
    assert answer.reply.citations == [c.as_dict() for c in answer.citations]


def drafter(fake: FakeOpenAI) -> OpenAIAnswerDrafter:
    config = LlmConfig(api_key=API_KEY, model="gpt-test", base_url=fake.base_url)
    return OpenAIAnswerDrafter(make_client(config), "gpt-test")


async def test_llm_draft_cites_only_the_passages_it_used(
    demo_kb: SqliteKnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    question = "How long does a refund take to show up on my credit card?"
    passages = demo_kb.search(question, k=4)
    fake_openai.reply_json(
        {
            "answer": "Card refunds take 5-10 business days.",
            "used_passages": [1, 1, 99],
            "answered": True,
        },
        prompt_tokens=500,
        completion_tokens=30,
    )
    draft = await drafter(fake_openai).draft(question, passages)
    assert draft.text == "Card refunds take 5-10 business days."
    assert [c.url for c in draft.citations] == [passages[0].url]  # 99 does not exist: ignored
    assert (draft.engine, draft.input_tokens, draft.output_tokens) == ("openai:gpt-test", 500, 30)
    assert draft.confidence == answer_confidence(question, passages)
    sent = fake_openai.requests[0]
    assert sent["response_format"]["json_schema"]["name"] == "AnswerDraft"
    assert passages[0].text[:40] in sent["messages"][1]["content"]


async def test_llm_saying_unanswered_caps_confidence(
    demo_kb: SqliteKnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    question = "How long does a refund take?"
    fake_openai.reply_json({"answer": "Not sure.", "used_passages": [], "answered": False})
    draft = await drafter(fake_openai).draft(question, demo_kb.search(question, k=3))
    assert draft.confidence <= UNANSWERED_CONFIDENCE_CAP


async def test_llm_draft_errors_are_mapped(
    demo_kb: SqliteKnowledgeBase, fake_openai: FakeOpenAI
) -> None:
    activities = KnowledgeActivities(demo_kb, drafter(fake_openai))
    passages = demo_kb.search("refund timing", k=2)
    data = DraftAnswerInput(ticket_id="T", question="refund timing", passages=passages)
    fake_openai.reply(Scripted(content=None, refusal="no"))
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(activities.draft_answer, data)
    assert (refused.value.type, refused.value.non_retryable) == ("LlmRefusal", True)
    fake_openai.reply(Scripted(status=429, headers={"Retry-After": "1"}))
    with pytest.raises(ApplicationError) as limited:
        await ActivityEnvironment().run(activities.draft_answer, data)
    assert (limited.value.type, limited.value.non_retryable) == ("LlmRateLimited", False)
