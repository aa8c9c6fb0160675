""" "Save as example" from the Slack review card: the button opens a modal prefilled with what
the case recorded; submitting it saves the labelled example as the clicker's person (the same
rules as the API: worker/example_saving.py), and the thread says who saved it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pydantic import ValidationError

from integrations.crm_store import TicketNotFound
from integrations.labelled_examples import ExampleDefaults
from integrations.slack_example_modal import example_modal, example_values
from integrations.slack_handoff_card import HandoffModalContext
from policies.routing_policy import RoutingPolicy
from worker.example_saving import (
    ROUTES,
    ExampleRefused,
    ExampleStore,
    ExampleSubmission,
    save_example,
)

log = logging.getLogger(__name__)

Tell = Callable[[HandoffModalContext, str, str], Awaitable[None]]
Say = Callable[[HandoffModalContext, str], Awaitable[None]]
OpenView = Callable[[str, dict[str, Any]], Awaitable[None]]


class ExampleCrm(ExampleStore, Protocol):
    def record_api_event(self, ticket_id: str, actor: str, action: str, detail: str) -> None: ...


class SlackExamples:
    def __init__(self, store: ExampleCrm, policy: RoutingPolicy) -> None:
        self._store, self._policy = store, policy

    async def open_modal(
        self, context: HandoffModalContext, trigger_id: str, open_view: OpenView
    ) -> None:
        try:
            recorded = await asyncio.to_thread(self._store.example_defaults, context.ticket_id)
        except TicketNotFound:
            recorded = ExampleDefaults(
                ticket_id=context.ticket_id, intent=None, route=None, reply=None
            )
        view = example_modal(
            context.model_dump_json(),
            context.ticket_id,
            sorted(self._policy.intents),
            list(ROUTES),
            intent=recorded.intent,
            route=recorded.route,
            reply=recorded.reply,
        )
        await open_view(trigger_id, view)

    async def save(
        self,
        context: HandoffModalContext,
        user: str,
        person: str | None,
        values: dict[str, Any],
        say: Say,
        tell: Tell,
        unlinked: str,
    ) -> None:
        if person is None:
            await tell(context, user, unlinked)
            return
        try:
            labels = {k: v for k, v in example_values(values).items() if v is not None}
            submission = ExampleSubmission.model_validate(labels)
            saved = await asyncio.to_thread(
                save_example,
                self._store,
                self._policy,
                context.ticket_id,
                person,
                submission,
                "slack",
            )
        except ValidationError:
            await tell(context, user, "Not saved: pick an intent and a route the policy knows.")
            return
        except ExampleRefused as refused:
            await asyncio.to_thread(
                self._store.record_api_event,
                context.ticket_id,
                person,
                "slack_example_refused",
                refused.code,
            )
            await tell(context, user, f"Not saved: {refused.message}")
            return
        await say(
            context,
            f"<@{user}> ({person}) saved this case as example {saved.id}: "
            f"{saved.intent} -> {saved.route}.",
        )
