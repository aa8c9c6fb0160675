"""Triage activity: one OpenAI structured-output call, or the rules engine when no key is set.

The engine is chosen when the worker starts, not per ticket, so every ticket on a worker is
triaged the same way and the result says which engine ran. LLM failures are mapped in
`llm_errors`; the workflow escalates a ticket whose triage cannot be trusted.

A plain `def` activity, so it runs on the worker's activity thread pool: the rules engine is CPU
work on up to 20,000 characters, and on the event loop it would stall every workflow and async
activity of the worker. The OpenAI client is async, so its call runs on one private event loop
thread that this object owns (the client's connections stay on that loop).
Card numbers are removed again before text leaves for an LLM, whatever intake did.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from temporalio import activity

from activities.llm_errors import to_application_error
from activities.ticket_models import TriageInput
from integrations.card_numbers import redact_card_numbers
from integrations.openai_llm import LlmConfig, make_client
from integrations.openai_triage import OpenAITriage
from integrations.triage_rules import triage_by_rules
from integrations.triage_schema import TriageResult
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


T = TypeVar("T")


class _LoopThread:
    """One event loop on a daemon thread, started on first use, for a sync caller's coroutines."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(
                    target=self._loop.run_forever, name="triage-llm-loop", daemon=True
                ).start()
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()


class TriageActivities:
    def __init__(self, llm: OpenAITriage | None = None) -> None:
        self._llm = llm
        self._llm_loop = _LoopThread()

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
    def triage_ticket(self, data: TriageInput) -> TriageResult:
        """Classify one ticket: intent, confidence, urgency, sentiment, language, entities."""
        if self._llm is None:
            result = triage_by_rules(data.subject, data.body)
        else:
            subject = redact_card_numbers(data.subject).text
            body = redact_card_numbers(data.body).text
            try:
                result = self._llm_loop.run(self._llm.triage(subject, body))
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
