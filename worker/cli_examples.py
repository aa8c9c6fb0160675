"""`supportflow save-example`: save a case as a labelled example for triage, as the person the
credential belongs to, with corrected labels (each defaults to what the case recorded)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from policies.loader import load_routing_policy
from worker.auth import authenticate
from worker.cli_credentials import KeyFile, KeyOption, audit, oidc_verifier, presented_key
from worker.cli_exits import (
    EXIT_REFUSED,
    EXIT_USAGE,
    fail,
    input_error,
    load_settings,
    open_store,
    run_async,
)
from worker.example_saving import ExampleRefused, ExampleSubmission, save_example
from worker.handoff_submissions import require_agent


def save_example_command(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")],
    intent: Annotated[str | None, typer.Option(help="The right intent (e.g. complaint)")] = None,
    route: Annotated[
        str | None, typer.Option(help="The right route: start_process, answer, clarify, escalate")
    ] = None,
    reply: Annotated[str | None, typer.Option(help="The reply that should be sent")] = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Save a ticket's case as a labelled example (a hand-off agent's person key)."""
    settings = load_settings()
    try:
        submission = ExampleSubmission.model_validate(
            {k: v for k, v in (("intent", intent), ("route", route), ("reply", reply)) if v}
        )
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)
    policy = load_routing_policy().policy

    async def work() -> Any:
        token = presented_key(settings, key, key_file)
        person = require_agent(await authenticate(store, oidc_verifier(settings), token))
        try:
            return save_example(store, policy, ticket_id, person.id, submission, "cli")
        except ExampleRefused as refused:
            audit(store, person, ticket_id, "cli_example_refused", refused.code)
            raise

    try:
        saved = run_async(work)
    except ExampleRefused as refused:
        code = EXIT_USAGE if refused.status == 422 else EXIT_REFUSED
        fail(f"refused ({refused.code}): {refused.message}", code)
    typer.echo(
        f"Saved ticket {saved.ticket_id} as example {saved.id}: "
        f"{saved.intent} -> {saved.route} (by {saved.saved_by})"
    )
