"""OpenAI triage through the real `openai` client against the loopback fake, and the error
mapping the triage activity applies (retryable vs non-retryable, Retry-After)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.llm_errors import NON_RETRYABLE_TYPES
from activities.ticket_models import TriageInput
from activities.triage import TriageActivities
from integrations.openai_llm import LlmConfig, LlmMalformedOutput, LlmRefusal, make_client
from integrations.openai_triage import OpenAITriage
from tests.triage.fake_openai import API_KEY, FakeOpenAI, Scripted

MODEL = "gpt-test-mini"


def assessment(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "intent": "refund_request",
        "confidence": 0.83,
        "urgency": "normal",
        "sentiment": "negative",
        "language": "en",
        "signals": [],
        "entities": {"order_ids": ["#5001"], "emails": [], "amounts_mentioned": ["$49.99"]},
        "summary": "Customer wants a refund for a broken kettle (ord_5001).",
    }
    base.update(overrides)
    return base


def triage_client(fake: FakeOpenAI, timeout_s: float = 5.0) -> OpenAITriage:
    config = LlmConfig(api_key=API_KEY, model=MODEL, base_url=fake.base_url, timeout_s=timeout_s)
    return OpenAITriage(make_client(config), MODEL)


async def run_activity(fake: FakeOpenAI, timeout_s: float = 5.0) -> Any:
    activities = TriageActivities(triage_client(fake, timeout_s))
    return await ActivityEnvironment().run(
        activities.triage_ticket,
        TriageInput(ticket_id="T-1", subject="Broken", body="Kettle #5001 broke, refund please"),
    )


async def test_structured_output_is_parsed_and_labelled(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply_json(assessment(), prompt_tokens=400, completion_tokens=60)
    result = await run_activity(fake_openai)
    assert result.intent == "refund_request"
    assert result.entities.order_ids == ["ord_5001"]  # normalised on our side
    assert (result.engine, result.input_tokens, result.output_tokens) == (
        f"openai:{MODEL}",
        400,
        60,
    )
    [sent] = fake_openai.requests
    assert sent["model"] == MODEL
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert "<ticket>" in sent["messages"][1]["content"]
    assert "Kettle #5001" in sent["messages"][1]["content"]
    assert fake_openai.auth_headers == [f"Bearer {API_KEY}"]


async def test_malformed_json_is_a_typed_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(Scripted(content='{"intent": "refund_request", "confid'))
    with pytest.raises(LlmMalformedOutput):
        await triage_client(fake_openai).triage("s", "b")


async def test_output_outside_the_schema_is_a_typed_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply_json(assessment(intent="issue_refund_now", confidence=3))
    with pytest.raises(LlmMalformedOutput):
        await triage_client(fake_openai).triage("s", "b")


async def test_refusal_is_a_typed_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(Scripted(content=None, refusal="I can't help with that."))
    with pytest.raises(LlmRefusal):
        await triage_client(fake_openai).triage("s", "b")


async def test_truncated_output_is_malformed(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(Scripted(content='{"intent": "ref', finish_reason="length"))
    with pytest.raises(LlmMalformedOutput):
        await triage_client(fake_openai).triage("s", "b")


@pytest.mark.parametrize(
    ("scripted", "error_type"),
    [
        (Scripted(content="not json at all"), "LlmMalformedOutput"),
        (Scripted(content=None, refusal="no"), "LlmRefusal"),
        (Scripted(status=401), "LlmAuthError"),
        (Scripted(status=403), "LlmAuthError"),
        (Scripted(status=400), "LlmBadRequest"),
        (Scripted(status=404), "LlmBadRequest"),
    ],
)
async def test_non_retryable_failures(
    fake_openai: FakeOpenAI, scripted: Scripted, error_type: str
) -> None:
    fake_openai.reply(scripted)
    with pytest.raises(ApplicationError) as caught:
        await run_activity(fake_openai)
    assert caught.value.type == error_type
    assert caught.value.non_retryable
    assert error_type in NON_RETRYABLE_TYPES
    assert len(fake_openai.requests) == 1, "the client must not retry on its own"


@pytest.mark.parametrize(
    ("scripted", "error_type", "delay"),
    [
        (
            Scripted(status=429, headers={"Retry-After": "7"}),
            "LlmRateLimited",
            timedelta(seconds=7),
        ),
        (
            Scripted(status=429, headers={"retry-after-ms": "1500"}),
            "LlmRateLimited",
            timedelta(milliseconds=1500),
        ),
        (Scripted(status=500), "LlmServerError", None),
        (
            Scripted(status=503, headers={"Retry-After": "2"}),
            "LlmServerError",
            timedelta(seconds=2),
        ),
        (Scripted(status=408), "LlmUnavailable", None),
        (Scripted(status=409), "LlmUnavailable", None),
    ],
)
async def test_retryable_failures(
    fake_openai: FakeOpenAI, scripted: Scripted, error_type: str, delay: timedelta | None
) -> None:
    fake_openai.reply(scripted)
    with pytest.raises(ApplicationError) as caught:
        await run_activity(fake_openai)
    assert caught.value.type == error_type
    assert not caught.value.non_retryable
    assert caught.value.next_retry_delay == delay
    assert len(fake_openai.requests) == 1, "the client must not retry on its own"


async def test_timeout_is_retryable(fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(Scripted(content="{}", delay_s=2.0))
    with pytest.raises(ApplicationError) as caught:
        await run_activity(fake_openai, timeout_s=0.3)
    assert caught.value.type == "LlmTimeout"
    assert not caught.value.non_retryable


async def test_connection_refused_is_retryable() -> None:
    config = LlmConfig(api_key=API_KEY, model=MODEL, base_url="http://127.0.0.1:9/v1", timeout_s=2)
    activities = TriageActivities(OpenAITriage(make_client(config), MODEL))
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(
            activities.triage_ticket, TriageInput(ticket_id="T-2", subject="", body="hi")
        )
    assert caught.value.type == "LlmUnavailable"
    assert not caught.value.non_retryable


async def test_without_a_key_the_embedded_engine_runs() -> None:
    activities = TriageActivities()
    result = await ActivityEnvironment().run(
        activities.triage_ticket,
        TriageInput(ticket_id="T-3", subject="", body="Where is my order #5001?"),
    )
    assert (result.engine, result.intent) == ("rules+examples", "order_status")
