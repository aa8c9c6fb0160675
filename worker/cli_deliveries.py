"""`supportflow deliveries`: what outbound delivery sent, is still trying, and gave up on."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from worker.cli_exits import load_settings, open_store


def deliveries(
    limit: Annotated[int, typer.Option(help="How many failed replies to list")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """Delivery counts over every channel and the replies that could not be delivered (database
    access only)."""
    store = open_store(load_settings())
    counts = store.delivery_counts()
    failed = store.failed_replies(limit)
    if as_json:
        payload = {
            "counts": counts.model_dump(),
            "failed_replies": [m.model_dump(mode="json") for m in failed],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(
        f"Deliveries: {counts.sent} sent, {counts.queued} queued, {counts.failed} failed "
        f"({counts.failed_replies} customer replies failed)"
    )
    for message in failed:
        typer.echo(
            f"  {message.ticket_id:<28} {message.subject!r} after {message.attempts} attempt(s): "
            f"{message.last_error}"
        )
