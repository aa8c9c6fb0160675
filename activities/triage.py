"""Triage activity: one OpenAI structured-output call, or the rules engine when no key is set.

The engine is chosen when the process starts, not per ticket, so every ticket it handles is
triaged the same way and the result says which engine ran. LLM failures are mapped in
`llm_errors`; the workflow escalates a ticket whose triage cannot be trusted.

The rules engine is CPU work on up to 20,000 characters: it runs on a thread
(`asyncio.to_thread`), because on the event loop it would stall every workflow and async activity
of the process. The OpenAI call is I/O and stays on the loop.
Card numbers are removed again before text leaves for an LLM, whatever intake did.
"""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.llm_errors import to_application_error
from activities.ticket_models import TriageInput
from integrations.card_numbers import redact_card_numbers
from integrations.openai_triage import OpenAITriage
from integrations.triage_rules import triage_by_rules
from policies.triage_schema import TriageResult


class TriageActivities:
    def __init__(self, llm: OpenAITriage | None = None) -> None:
        self._llm = llm

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
