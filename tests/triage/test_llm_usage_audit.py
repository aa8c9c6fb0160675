"""The tokens an LLM triage spends are in the ticket's audit trail (`llm_usage`), where the
outcomes report prices them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from activities.knowledge import KnowledgeActivities
from activities.triage import TriageActivities
from integrations.crm_store import CrmStore
from integrations.openai_llm import LlmConfig, make_client
from integrations.openai_triage import OpenAITriage
from tests.review.handoff_steps import waiting_for_person
from tests.triage.fake_openai import API_KEY, FakeOpenAI
from tests.triage.test_openai_triage import assessment
from tests.triage.ticket_harness import end_open_cases, knowledge, store, ticket_worker

__all__ = ["knowledge", "store"]


async def test_triage_tokens_are_audited_and_priced(
    ticket_env: WorkflowEnvironment,
    task_queue: str,
    store: CrmStore,
    knowledge: KnowledgeActivities,
    fake_openai: FakeOpenAI,
) -> None:
    config = LlmConfig(api_key=API_KEY, model="gpt-test", base_url=fake_openai.base_url)
    triage = TriageActivities(OpenAITriage(make_client(config), "gpt-test"))
    fake_openai.reply_json(
        assessment(intent="human_request", signals=["asks_for_human"], confidence=0.9),
        prompt_tokens=410,
        completion_tokens=70,
    )
    async with ticket_worker(
        ticket_env.client, task_queue, store, knowledge, triage=triage
    ) as runner:
        handle = await runner.start("Please let me talk to a person about order ord_5001.")
        ticket_id = handle.id.removeprefix("ticket-")
        await waiting_for_person(runner, handle)
        await end_open_cases(runner)
    ticket = store.get_ticket(ticket_id)
    assert ticket is not None
    [usage] = [a for a in ticket.audit if a.action == "llm_usage"]
    assert usage.detail == "triage 410+70 (openai:gpt-test)"
    now = datetime.now(UTC)
    [facts] = [
        f
        for f in store.outcome_facts(now - timedelta(days=400), now + timedelta(days=400))
        if f.ticket_id == ticket_id
    ]
    assert (facts.input_tokens, facts.output_tokens, facts.intent) == (410, 70, "human_request")
