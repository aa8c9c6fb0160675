"""`supportflow approve` and `reject`: decide the refund a case waits on, as the person the
credential belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from worker.approval_submissions import approval_submission
from worker.approvals import decide
from worker.auth import authenticate, require_person
from worker.cli_credentials import KeyFile, KeyOption, audit, oidc_verifier, presented_key
from worker.cli_exits import input_error, load_settings, open_store, run_async
from worker.temporal_gate import connect_or_explain


def _decide(
    ticket_id: str,
    decision: str,
    reason: str | None,
    request_id: str | None,
    amount_cents: int | None,
    key: str | None,
    key_file: Path | None,
) -> None:
    settings = load_settings()
    try:
        submission = approval_submission.validate_python(
            {
                "decision": decision,
                "reason": reason,
                "request_id": request_id,
                "amount_cents": amount_cents,
            }
        )
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        # The approver is whoever the person credential belongs to; there is no --as.
        token = presented_key(settings, key, key_file)
        person = require_person(await authenticate(store, oidc_verifier(settings), token))
        receipt = await decide(
            await connect_or_explain(),
            store,
            ticket_id,
            submission,
            approver=person.id,
            channel="cli",
        )
        detail = f"{decision} on request {receipt.request_id}: {receipt.status}"
        audit(store, person, ticket_id, "cli_approval_decided", detail)
        return person, receipt

    person, receipt = run_async(work)
    typer.echo(
        f"{decision.capitalize()}d ticket {ticket_id} as {person.id}: request "
        f"{receipt.request_id} is {receipt.status} "
        f"({receipt.approvals_received}/{receipt.required_approvals} approvals)"
    )


RequestId = Annotated[
    str | None, typer.Option(help="Approval request id (default: the one the case waits on)")
]
AmountCents = Annotated[
    int | None, typer.Option(help="Only decide if the amount is still this (cents)")
]


def approve(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")],
    reason: Annotated[str | None, typer.Option(help="Why (goes into the audit trail)")] = None,
    request_id: RequestId = None,
    amount_cents: AmountCents = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Approve the refund a ticket's case is waiting on, as the person your key belongs to."""
    _decide(ticket_id, "approve", reason, request_id, amount_cents, key, key_file)


def reject(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")],
    reason: Annotated[str, typer.Option(help="Why (audit trail and the customer's reply)")],
    request_id: RequestId = None,
    amount_cents: AmountCents = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Reject the refund a ticket's case is waiting on, as the person your key belongs to."""
    _decide(ticket_id, "reject", reason, request_id, amount_cents, key, key_file)
