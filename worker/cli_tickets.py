"""`supportflow ticket`, `reply` and `status`: file a ticket, deliver the customer's reply, and
see where the case stands."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from worker.auth import TICKETS_READ, TICKETS_WRITE, requester_for
from worker.callback_sources import record_source
from worker.case_report import describe_case
from worker.case_status import read_ticket
from worker.cases import file_ticket
from worker.cli_credentials import KeyFile, KeyOption, audit, authenticated_caller
from worker.cli_exits import EXIT_REFUSED, fail, input_error, load_settings, open_store, run_async
from worker.customer_replies import ReplySubmission, send_reply
from worker.temporal_gate import connect_or_explain
from worker.ticket_submission import TicketSubmission


def ticket(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Your helpdesk's ticket id")],
    customer: Annotated[str, typer.Option("--customer", help="Customer id in the CRM")],
    order: Annotated[
        str | None, typer.Option("--order", help="Order id (triage also reads it from the text)")
    ] = None,
    subject: Annotated[str, typer.Option(help="Ticket subject")] = "",
    body: Annotated[str, typer.Option(help="Ticket text")] = "",
    requested_by: Annotated[
        str | None,
        typer.Option(
            help="The agent you file for (needs the tickets:on_behalf scope); default: the "
            "key's owner. The requester cannot approve their own case."
        ),
    ] = None,
    amount_cents: Annotated[
        int | None,
        typer.Option(help="Cap on a direct refund (--process refund only); the charge decides"),
    ] = None,
    channel: Annotated[str, typer.Option(help="Where the ticket came from")] = "cli",
    process: Annotated[
        str,
        typer.Option(
            help="triage: triage picks the route (a process, a cited answer, a question, a "
            "person); or the name of a process that takes tickets (refund, …) to start it "
            "directly (`supportflow processes` lists them)"
        ),
    ] = "triage",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON")] = False,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """File a ticket: start its case, or show the case it already has (needs tickets:write)."""
    settings = load_settings()
    fields: dict[str, Any] = {"requested_by": requested_by} if requested_by is not None else {}
    try:
        submission = TicketSubmission(
            ticket_id=ticket_id,
            process=process,
            customer_id=customer,
            order_id=order,
            subject=subject,
            body=body,
            requested_amount_cents=amount_cents,
            channel=channel,
            **fields,
        )
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await authenticated_caller(settings, store, key, key_file, TICKETS_WRITE)
        requester = requester_for(caller, submission.asserted_requester())
        await record_source(store, caller, ticket_id)  # its events reach the system's callback
        started = await file_ticket(
            await connect_or_explain(), settings, submission.filed_by(requester)
        )
        if not started.existing:
            detail = f"filed a {started.process} case, requested by {requester}"
            audit(store, caller, ticket_id, "cli_ticket_filed", detail)
        return started

    started = run_async(work)
    if as_json:
        typer.echo(started.model_dump_json(indent=2))
        return
    verb = "already has case" if started.existing else "filed as case"
    typer.echo(
        f"Ticket {ticket_id} {verb} {started.workflow_id} ({started.process}, run {started.run_id})"
    )
    typer.echo(f"  Temporal UI: {started.temporal_ui_url}")
    typer.echo(f"  Follow it:   supportflow status {ticket_id}")


def reply(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")],
    text: Annotated[str, typer.Option("--text", help="What the customer wrote back")],
    channel: Annotated[str, typer.Option(help="Where the reply came from")] = "cli",
    reply_id: Annotated[
        str | None,
        typer.Option(help="Your helpdesk's message id: delivering it twice counts once"),
    ] = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Deliver a customer's reply to a ticket waiting for one (needs tickets:write)."""
    settings = load_settings()
    try:
        submission = ReplySubmission(text=text, channel=channel, reply_id=reply_id)
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await authenticated_caller(settings, store, key, key_file, TICKETS_WRITE)
        accepted = await send_reply(await connect_or_explain(), ticket_id, submission)
        detail = f"delivered customer reply {accepted.round} via {channel}"
        audit(store, caller, ticket_id, "cli_reply_delivered", detail)
        return accepted

    receipt = run_async(work)
    typer.echo(
        f"Reply {receipt.round} delivered to ticket {ticket_id}; the case continues "
        f"(it was {receipt.state})."
    )
    typer.echo(f"  Follow it:   supportflow status {ticket_id}")


def status(
    ticket_id: Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the case as JSON")] = False,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Show where a ticket's case stands (live while running, the CRM record once closed;
    needs tickets:read)."""
    settings = load_settings()
    store = open_store(settings)

    async def work() -> Any:
        await authenticated_caller(settings, store, key, key_file, TICKETS_READ)
        return await read_ticket(await connect_or_explain(), store, settings, ticket_id)

    view = run_async(work)
    if view is None:
        fail(f"no case and no CRM record for ticket {ticket_id}", EXIT_REFUSED)
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    typer.echo("\n".join(describe_case(view)))
