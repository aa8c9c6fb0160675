"""Knowledge activities: search the help center and draft a cited answer.

Search is synchronous (SQLite and the Weaviate client block), so it runs on Temporal's
activity thread pool. Drafting uses the LLM when one is configured and otherwise quotes the
passages (extractive), so a ticket is answered the same way offline as in production, only less
fluently. Either way the citations come from the passages, never from generated text.
"""

from __future__ import annotations

from temporalio import activity

from activities.help_center_models import HelpCenterBatch, HelpCenterBatchResult
from activities.llm_errors import to_application_error
from activities.models import CustomerReply
from activities.ticket_models import (
    DraftAnswerInput,
    KnowledgeAnswer,
    KnowledgeSearchResult,
    SearchKnowledgeInput,
)
from integrations.card_numbers import redact_card_numbers
from integrations.knowledge.answers import DraftedAnswer, extractive_answer, format_reply
from integrations.knowledge.base import KnowledgeBase
from integrations.openai_answer import OpenAIAnswerDrafter


class KnowledgeActivities:
    def __init__(
        self,
        kb: KnowledgeBase,
        drafter: OpenAIAnswerDrafter | None = None,
        where: str = "the worker's knowledge store",
    ) -> None:
        self._kb = kb
        self._drafter = drafter
        self._where = where

    @activity.defn(name="ingest_help_center_batch")
    def ingest_help_center_batch(self, batch: HelpCenterBatch) -> HelpCenterBatchResult:
        """Replaces the chunks of this batch's articles (a retry stores them once)."""
        report = self._kb.ingest(batch.articles)
        activity.logger.info(
            "Help center batch %d/%d: %d articles, %d chunks into %s",
            batch.number,
            batch.of,
            report.articles,
            report.chunks,
            self._where,
        )
        return HelpCenterBatchResult(
            articles=report.articles, chunks=report.chunks, store=self._where
        )

    @activity.defn(name="search_knowledge")
    def search_knowledge(self, data: SearchKnowledgeInput) -> KnowledgeSearchResult:
        # The query may go to another system (Weaviate, an embedding API): no card numbers.
        passages = self._kb.search(redact_card_numbers(data.query).text, data.k, data.audience)
        activity.logger.info(
            "Knowledge search (%s) returned %d passages", data.audience, len(passages)
        )
        return KnowledgeSearchResult(passages=passages)

    @activity.defn(name="draft_answer")
    async def draft_answer(self, data: DraftAnswerInput) -> KnowledgeAnswer:
        # Customer-facing answers may only quote public articles, whatever the caller passed.
        passages = [p for p in data.passages if p.audience == "public"]
        # The question is sent to the LLM and may be quoted in the reply: no card numbers.
        question = redact_card_numbers(data.question).text
        if self._drafter is None:
            drafted = extractive_answer(question, passages)
        else:
            try:
                drafted = await self._drafter.draft(question, passages)
            except Exception as exc:
                raise to_application_error(exc) from None
        return _answer(data, drafted)


def _answer(data: DraftAnswerInput, drafted: DraftedAnswer) -> KnowledgeAnswer:
    subject = drafted.citations[0].title if drafted.citations else "Your question"
    return KnowledgeAnswer(
        reply=CustomerReply(
            subject=f"Re: {subject} (ticket {data.ticket_id})",
            body=format_reply(data.customer_name, drafted),
            citations=[c.as_dict() for c in drafted.citations],
        ),
        answer_text=drafted.text,
        citations=drafted.citations,
        confidence=drafted.confidence,
        engine=drafted.engine,
        input_tokens=drafted.input_tokens,
        output_tokens=drafted.output_tokens,
    )
