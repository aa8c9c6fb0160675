"""`supportflow handoff`, `claim`, `resolve`, `reassign`, `handback`, `send-draft`, `edit-send`,
`reject-draft` and `reopen`: work a ticket's open hand-off from a terminal, as the person the
credential belongs to (there is no --as)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from worker.auth import TICKETS_READ, TICKETS_WRITE, authenticate
from worker.cli_credentials import (
    KeyFile,
    KeyOption,
    audit,
    authenticated_caller,
    oidc_verifier,
    presented_key,
)
from worker.cli_exits import (
    EXIT_REFUSED,
    EXIT_USAGE,
    fail,
    input_error,
    load_settings,
    open_store,
    run_async,
)
from worker.handoff_submissions import (
    HandoffSubmission,
    HandoffVerb,
    ReopenSubmission,
    require_agent,
)
from worker.handoffs import HandoffRefused, act_on_handoff, reopen_case, review_card
from worker.temporal_gate import connect_or_explain
from workflows.ticket.review_contract import HandbackInstruction, ReopenRequest

Ticket = Annotated[str, typer.Argument(metavar="TICKET", help="Ticket id")]
Note = Annotated[str | None, typer.Option(help="What was done (audit trail and the record)")]
HandoffId = Annotated[
    str | None, typer.Option(help="Only act if the case still waits on this hand-off")
]


def _run(work: Any) -> Any:
    try:
        return run_async(work)
    except HandoffRefused as refused:
        fail(f"refused ({refused.code}): {refused.message}", EXIT_REFUSED)


def _act(
    ticket_id: str, verb: HandoffVerb, key: str | None, key_file: Path | None, **fields: Any
) -> None:
    settings = load_settings()
    try:
        submission = HandoffSubmission(**fields)
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        token = presented_key(settings, key, key_file)
        person = require_agent(await authenticate(store, oidc_verifier(settings), token))
        action = submission.action(verb, person.id, "cli")
        try:
            receipt = await act_on_handoff(await connect_or_explain(), ticket_id, action)
        except HandoffRefused as refused:
            audit(store, person, ticket_id, "cli_handoff_refused", f"{verb.value}: {refused.code}")
            raise
        detail = f"{verb.value} on hand-off {receipt.handoff_id}: {receipt.state}"
        audit(store, person, ticket_id, "cli_handoff_action", detail)
        return receipt

    receipt = _run(work)
    typer.echo(f"Ticket {ticket_id}, hand-off {receipt.handoff_id}: {receipt.message}")
    typer.echo(
        f"  State: {receipt.state}"
        + (f", claimed by {receipt.claimed_by}" if receipt.claimed_by else "")
    )


def handoff(ticket_id: Ticket, key: KeyOption = None, key_file: KeyFile = None) -> None:
    """Show the review card of a ticket's hand-off (needs tickets:read)."""
    settings = load_settings()
    store = open_store(settings)

    async def work() -> Any:
        await authenticated_caller(settings, store, key, key_file, TICKETS_READ)
        return await review_card(await connect_or_explain(), ticket_id)

    card = _run(work)
    typer.echo(f"Ticket {card.ticket_id} · hand-off {card.handoff_id} · {card.state}")
    typer.echo(f"  Why: {card.escalation_reason}")
    typer.echo(f"  Next step: {card.recommended_next_step}")
    if card.claimed_by:
        typer.echo(f"  Claimed by: {card.claimed_by}")
    if card.sla_due_at:
        typer.echo(f"  SLA due: {card.sla_due_at:%Y-%m-%d %H:%M} UTC")
    typer.echo("  Customer wrote:")
    typer.echo("\n".join(f"    {line}" for line in card.customer_message.splitlines()))
    if card.proposed_answer:
        typer.echo("  Proposed answer:")
        typer.echo("\n".join(f"    {line}" for line in card.proposed_answer.splitlines()))
    typer.echo(f"  Actions: {', '.join(card.allowed_actions) or 'none'}")


def claim(
    ticket_id: Ticket, handoff_id: HandoffId = None, key: KeyOption = None, key_file: KeyFile = None
) -> None:
    """Claim a ticket's hand-off as the person your key belongs to."""
    _act(ticket_id, HandoffVerb.claim, key, key_file, handoff_id=handoff_id)


def resolve(
    ticket_id: Ticket,
    note: Annotated[str, typer.Option(help="What was done for the customer")],
    reply: Annotated[str | None, typer.Option(help="The reply to send to the customer")] = None,
    handoff_id: HandoffId = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Resolve a hand-off: what was done, and the reply sent to the customer (if any)."""
    _act(
        ticket_id, HandoffVerb.resolve, key, key_file, note=note, reply=reply, handoff_id=handoff_id
    )


def reassign(
    ticket_id: Ticket,
    to_person: Annotated[str | None, typer.Option(help="An agent's person id")] = None,
    to_channel: Annotated[str | None, typer.Option(help="A Slack channel id (C...)")] = None,
    note: Note = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Reassign a hand-off to another agent or to a channel."""
    _act(
        ticket_id,
        HandoffVerb.reassign,
        key,
        key_file,
        to_person=to_person,
        to_channel=to_channel,
        note=note,
    )


def handback(
    ticket_id: Ticket,
    send_reply: Annotated[str | None, typer.Option(help="Send this reply and resolve")] = None,
    start_process: Annotated[
        str | None, typer.Option(help="Start this process (e.g. refund)")
    ] = None,
    order: Annotated[str | None, typer.Option(help="The order the process acts on")] = None,
    ask: Annotated[str | None, typer.Option(help="Ask the customer this question")] = None,
    note: Note = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Hand the case back to automation with one instruction the routing policy allows."""
    chosen = [
        k
        for k, v in (
            ("send_reply", send_reply),
            ("start_process", start_process),
            ("ask_customer", ask),
        )
        if v
    ]
    if len(chosen) != 1:
        fail("give exactly one of --send-reply, --start-process, --ask", EXIT_USAGE)
    try:
        instruction = HandbackInstruction(
            kind=chosen[0],
            reply=send_reply,
            process=start_process,
            order_id=order,
            question=ask,  # type: ignore[arg-type]
        )
    except ValidationError as err:
        input_error(err)
    _act(ticket_id, HandoffVerb.handback, key, key_file, instruction=instruction, note=note)


def send_draft(
    ticket_id: Ticket, handoff_id: HandoffId = None, key: KeyOption = None, key_file: KeyFile = None
) -> None:
    """Send the draft held for review as written."""
    _act(ticket_id, HandoffVerb.send, key, key_file, handoff_id=handoff_id)


def edit_send(
    ticket_id: Ticket,
    reply: Annotated[str, typer.Option(help="The edited reply to send")],
    handoff_id: HandoffId = None,
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Send an edited version of the draft (draft, sent text and edit distance are recorded)."""
    _act(ticket_id, HandoffVerb.edit_send, key, key_file, reply=reply, handoff_id=handoff_id)


def reject_draft(
    ticket_id: Ticket, note: Note = None, key: KeyOption = None, key_file: KeyFile = None
) -> None:
    """Reject the draft; the hand-off stays with you to write the reply and resolve."""
    _act(ticket_id, HandoffVerb.reject, key, key_file, note=note)


def reopen(
    ticket_id: Ticket,
    text: Annotated[
        str, typer.Option("--text", help="What the customer wrote when they came back")
    ],
    channel: Annotated[str, typer.Option(help="Where the message came from")] = "cli",
    key: KeyOption = None,
    key_file: KeyFile = None,
) -> None:
    """Reopen a resolved ticket within the policy's window (needs tickets:write)."""
    settings = load_settings()
    try:
        submission = ReopenSubmission(text=text, channel=channel)
    except ValidationError as err:
        input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await authenticated_caller(settings, store, key, key_file, TICKETS_WRITE)
        request = ReopenRequest(
            text=submission.text, channel=submission.channel, requested_by=caller.id
        )
        receipt = await reopen_case(await connect_or_explain(), ticket_id, request)
        audit(store, caller, ticket_id, "cli_ticket_reopened", f"reopen {receipt.reopens}")
        return receipt

    receipt = _run(work)
    typer.echo(
        f"Ticket {ticket_id} reopened ({receipt.reopens} so far); hand-off {receipt.handoff_id}."
    )
