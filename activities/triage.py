"""Triage activity: one OpenAI structured-output call, or the rules engine when no key is set.

The engine is chosen when the worker starts, not per ticket, so every ticket on a worker is
triaged the same way and the result says which engine ran. LLM failures are mapped in
`llm_errors`; the workflow escalates a ticket whose triage cannot be trusted.

The rules engine is CPU work on up to 20,000 characters: it runs on a worker thread
(`asyncio.to_thread`), because on the event loop it would stall every workflow and async activity
of the worker. The OpenAI call is I/O and stays on the loop.
Card numbers are removed again before text leaves for an LLM, whatever intake did.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.llm_errors import to_application_error
from activities.ticket_models import TriageInput
from integrations.card_numbers import redact_card_numbers
from integrations.openai_llm import LlmConfig, make_client
from integrations.openai_triage import OpenAITriage
from integrations.triage_rules import triage_by_rules
from policies.triage_schema import TriageResult
from worker.settings import Settings


def llm_config(settings: Settings) -> LlmConfig | None:
    """The LLM configuration from the worker's environment; None without an API key."""
    if settings.openai_api_key is None:
        return None
    return LlmConfig(
        api_key=settings.openai_api_key.get_secret_value(),
        model=settings.openai_model,
        base_url=settings.openai_base_url,
    )


class TriageActivities:
    def __init__(self, llm: OpenAITriage | None = None) -> None:
        self._llm = llm

    @classmethod
    def from_settings(cls, settings: Settings) -> TriageActivities:
        config = llm_config(settings)
        if config is None:
            return cls()
        return cls(OpenAITriage(make_client(config), config.model))

    @property
    def engine(self) -> str:
        return self._llm.engine if self._llm else "rules"

    @activity.defn(name="triage_ticket")
    async def triage_ticket(self, data: TriageInput) -> TriageResult:
        """Classify one ticket: intent, confidence, urgency, sentiment, language, entities."""
        if self._llm is None:
            result = await asyncio.to_thread(triage_by_rules, data.subject, data.body)
        else:
            subject = redact_card_numbers(data.subject).text
            body = redact_card_numbers(data.body).text
            try:
                result = await self._llm.triage(subject, body)
            except Exception as exc:
                raise to_application_error(exc) from None
        activity.logger.info(
            "Ticket %s triaged by %s as %s (confidence %.2f, %d+%d tokens)",
            data.ticket_id,
            result.engine,
            result.intent,
            result.confidence,
            result.input_tokens,
            result.output_tokens,
        )
        return result
