"""Triage activity: one OpenAI structured-output call, or the embedded engine when no key is set.

The embedded engine (`integrations.triage_engine`) is the rules engine's signals plus a vote over
the example bank; saved examples (corrections from reviews) are read again at most every
`refresh_seconds`, so a correction changes the next ticket's routing without a restart.

The engine is chosen when the process starts, not per ticket, so every ticket it handles is
triaged the same way and the result says which engine ran. LLM failures are mapped in
`llm_errors`; the workflow escalates a ticket whose triage cannot be trusted.

The embedded engine is CPU work on up to 20,000 characters: it runs on a thread
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
from integrations.triage_engine import ENGINE, ExampleTriage, default_engine
from policies.triage_schema import TriageResult


class TriageActivities:
    def __init__(
        self, llm: OpenAITriage | None = None, embedded: ExampleTriage | None = None
    ) -> None:
        self._llm = llm
        # Built only when it runs: a worker with an LLM never loads the example bank.
        self._embedded = embedded

    @property
    def engine(self) -> str:
        return self._llm.engine if self._llm else ENGINE

    def _embedded_engine(self) -> ExampleTriage:
        if self._embedded is None:
            self._embedded = default_engine()
        return self._embedded

    @activity.defn(name="triage_ticket")
    async def triage_ticket(self, data: TriageInput) -> TriageResult:
        """Classify one ticket: intent, confidence, urgency, sentiment, language, entities."""
        if self._llm is None:
            engine = self._embedded_engine()
            result = await asyncio.to_thread(engine.triage, data.subject, data.body)
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
