"""Save as example: a person marks a case as a labelled example for triage, with the intent,
route and reply they say were right (what the case recorded where they correct nothing). Shared
by the API, the CLI and the Slack review card; the person is the authenticated caller, and
only the routing policy's hand-off agents may label."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from integrations.crm_store import TicketNotFound
from integrations.labelled_examples import (
    ExampleDefaults,
    LabelledExampleView,
    NewLabelledExample,
)
from policies.identity import canonical_person_id
from policies.routing_policy import Route, RoutingPolicy
from policies.triage_schema import Intent

ROUTES: tuple[str, ...] = Route.__args__  # type: ignore[attr-defined]


class ExampleSubmission(BaseModel):
    """Corrections; a field left out takes what the case recorded (triaged intent, route
    taken, reply sent or drafted)."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent | None = None
    route: Route | None = None
    reply: str | None = Field(None, min_length=1, max_length=20_000)


class ExampleRefused(Exception):
    """`errors`: for `invalid_request`, each field at fault (`field`, `message`, `type`), as
    every 422 of the API names them."""

    def __init__(
        self, status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.errors = errors or []


class ExampleStore(Protocol):
    """The part of the CRM store labelling uses."""

    def example_defaults(self, ticket_id: str) -> ExampleDefaults: ...

    def save_labelled_example(self, example: NewLabelledExample) -> LabelledExampleView: ...


def save_example(
    store: ExampleStore,
    policy: RoutingPolicy,
    ticket_id: str,
    person: str,
    submission: ExampleSubmission,
    channel: str,
) -> LabelledExampleView:
    if canonical_person_id(person) not in {canonical_person_id(a) for a in policy.handoff.agents}:
        raise ExampleRefused(
            403, "not_an_agent", f"{person} is not a support agent in the routing policy."
        )
    try:
        recorded = store.example_defaults(ticket_id)
    except TicketNotFound:
        raise ExampleRefused(404, "not_found", f"No ticket {ticket_id} in the CRM.") from None
    intent = submission.intent or recorded.intent
    route = submission.route or recorded.route
    reply = submission.reply or recorded.reply
    missing = [n for n, v in (("intent", intent), ("route", route), ("reply", reply)) if not v]
    if missing:
        raise ExampleRefused(
            422,
            "invalid_request",
            f"The case recorded no {', '.join(missing)}; give {'them' if len(missing) > 1 else 'it'}.",
            [
                {"field": f"body.{name}", "message": "not recorded by the case", "type": "missing"}
                for name in missing
            ],
        )
    if route not in ROUTES:
        message = f"route must be one of {', '.join(ROUTES)}."
        raise ExampleRefused(
            422,
            "invalid_request",
            message,
            [{"field": "body.route", "message": message, "type": "enum"}],
        )
    assert intent is not None and route is not None and reply is not None
    return store.save_labelled_example(
        NewLabelledExample(
            ticket_id=ticket_id,
            intent=intent,
            route=route,
            reply=reply,
            saved_by=canonical_person_id(person),
            channel=channel,
        )
    )
