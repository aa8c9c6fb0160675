"""`supportflow`: run the stack, file tickets, decide approvals, inspect and replay cases.

Exit codes: 0 done; 1 the case refused or failed the request (refused approval, unknown ticket,
nondeterministic replay); 2 bad usage or input; 3 a dependency (Temporal, database) is down.
User errors are one readable line on stderr, never a traceback.
"""

from __future__ import annotations

import asyncio
import importlib
import ipaddress
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import typer
from pydantic import ValidationError
from temporalio.service import RPCError

from worker.approvals import ApprovalRefused, CaseUnavailable, approval_submission, decide
from worker.auth import (
    TICKETS_READ,
    TICKETS_WRITE,
    AuthFailed,
    Principal,
    authenticate,
    requester_for,
    require_person,
    require_scope,
)
from worker.case_report import describe_case
from worker.case_status import read_ticket
from worker.cases import TicketSubmission, file_ticket
from worker.customer_replies import ReplyRefused, ReplySubmission, send_reply
from worker.oidc import OidcConfigError, OidcVerifier
from worker.settings import Settings, get_settings
from worker.temporal_gate import TemporalUnavailable, connect_or_explain, temporal_target

EXIT_REFUSED, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3
T = TypeVar("T")

app = typer.Typer(
    name="supportflow",
    help="Customer-support cases as durable Temporal workflows.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def fail(message: str, code: int) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as err:
        fail(f"invalid settings in the environment / .env:\n{err}", EXIT_USAGE)


def open_store(settings: Settings) -> Any:
    """The CRM store, migrated: approvals record refusals there and status reads closed cases."""
    from integrations.crm_store import CrmStore

    try:
        store = CrmStore(settings.database_url)
        store.migrate()
    except Exception as err:
        fail(f"cannot open the database {settings.database_url}: {err}", EXIT_UNAVAILABLE)
    return store


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Runs one command's coroutine and turns the expected failures into exit codes."""
    try:
        return asyncio.run(_awaited(work))
    except (ApprovalRefused, ReplyRefused) as refused:
        fail(f"refused ({refused.code}): {refused.message}", EXIT_REFUSED)
    except AuthFailed as failed:
        code = EXIT_USAGE if failed.code == "missing_credential" else EXIT_REFUSED
        fail(f"not allowed ({failed.code}): {failed.message}", code)
    except (TemporalUnavailable, CaseUnavailable) as down:
        hint = " Is `supportflow run` (or your Temporal server) up?"
        fail(f"{down}.{hint if isinstance(down, TemporalUnavailable) else ''}", EXIT_UNAVAILABLE)
    except RPCError as err:
        fail(f"Temporal call failed ({err.status.name}): {err.message}", EXIT_UNAVAILABLE)


async def _awaited(work: Callable[[], Awaitable[T]]) -> T:
    return await work()


def _input_error(err: ValidationError) -> NoReturn:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in err.errors()
    )
    fail(problems, EXIT_USAGE)


# -- credentials -------------------------------------------------------------------------------

KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Your API key (default: SUPPORTFLOW_KEY). approve/reject need a person key.",
        show_default=False,
    ),
]
KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        dir_okay=False,
        help="Read the API key from this file (`make run` keeps the demo keys in .data/keys/)",
    ),
]


def _presented_key(settings: Settings, key: str | None, key_file: Path | None) -> str:
    if key:
        return key.strip()
    if key_file is not None:
        try:
            return key_file.read_text().strip()
        except OSError as err:
            fail(f"cannot read the key file {key_file}: {err.strerror}", EXIT_USAGE)
    if settings.cli_key is not None:
        return settings.cli_key.get_secret_value().strip()
    raise AuthFailed(
        401,
        "missing_credential",
        "this command needs an API key: --key, --key-file or SUPPORTFLOW_KEY (an operator "
        "creates one with `supportflow keys create`)",
    )


def _oidc(settings: Settings) -> OidcVerifier | None:
    try:
        return OidcVerifier.from_settings(settings)
    except OidcConfigError as err:
        fail(str(err), EXIT_USAGE)


async def _caller(
    settings: Settings, store: Any, key: str | None, key_file: Path | None, scope: str
) -> Principal:
    """The CLI talks to Temporal directly, so it checks the same credentials the API does: the
    command runs as the key's (or token's) owner, with that credential's scopes."""
    token = _presented_key(settings, key, key_file)
    return require_scope(await authenticate(store, _oidc(settings), token), scope)


def _audit(store: Any, principal: Principal, ticket_id: str, action: str, detail: str) -> None:
    """Like the API, every state change leaves who made it (and with which key) in the CRM."""
    try:
        store.record_api_event(
            ticket_id, principal.id, action, f"{detail} (via {principal.credential})"
        )
    except Exception as err:  # the change is made; a missing audit row must not hide that
        typer.secho(f"warning: could not audit {action}: {err}", fg=typer.colors.YELLOW, err=True)


# -- processes ---------------------------------------------------------------------------------


@app.command()
def run(
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh", help="Forget the demo state under .data/ first (Temporal, sandbox, CRM)"
        ),
    ] = False,
) -> None:
    """Start Temporal + UI, Stripe sandbox, worker and API; file the demo tickets (`make run`).

    Everything binds to loopback and persists under .data/; stays up until Ctrl-C, then stops
    every process it started.
    """
    # Imported here: the local stack is dev tooling, and no other command may depend on it.
    try:
        from worker.local_stack.launcher import run_devstack
    except ImportError as err:
        fail(f"the local stack cannot load ({err}); install it with pip install -e '.[local]'", 3)

    raise typer.Exit(run_devstack(load_settings(), fresh=fresh))


@app.command()
def worker() -> None:
    """Run a worker: polls the task queue and executes workflows and activities."""
    settings = load_settings()
    try:
        asyncio.run(_serve_worker(settings))
    except RuntimeError as err:
        if "client connect" not in str(err):
            raise
        typer.secho(
            f"error: cannot reach Temporal at {temporal_target()}: {err}",
            fg=typer.colors.RED,
            err=True,
        )
        _leave(EXIT_UNAVAILABLE)
    _leave(0)


def _leave(code: int) -> NoReturn:
    """Ends the worker process without interpreter finalization. Once the SDK's native runtime
    has started (even for a connection that failed), its threads can still call into Python
    while the interpreter finalizes and abort it (PyGILState_Release, exit -6)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


async def _serve_worker(settings: Settings) -> None:
    """SIGINT and SIGTERM cancel the run, which makes the SDK shut the worker down gracefully
    (in-flight tasks finish or fail over) instead of dying mid-task."""
    from worker.worker_app import run_worker

    task = asyncio.ensure_future(run_worker(settings))
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        typer.echo("worker stopped", err=True)


def _api_bind(settings: Settings) -> tuple[str, int]:
    url = urlsplit(settings.api_url)
    return url.hostname or "127.0.0.1", url.port or 8000


@app.command()
def api(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind (default: host of SUPPORTFLOW_API_URL)")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port (default: port of SUPPORTFLOW_API_URL)")
    ] = None,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs).

    Refuses a non-loopback address until callers can authenticate: at least one active API key
    (`supportflow keys create`) or an OIDC issuer (SUPPORTFLOW_OIDC_ISSUER).
    """
    import uvicorn

    from worker.api import create_app

    settings = load_settings()
    default_host, default_port = _api_bind(settings)
    bind = host or default_host
    if not (_is_loopback(bind) or settings.oidc_issuer or _has_keys(settings)):
        fail(
            f"refusing to serve the API on {bind}: no active API key and no OIDC issuer, so no "
            "caller could authenticate. Create keys with `supportflow keys create`, set "
            "SUPPORTFLOW_OIDC_ISSUER, or bind 127.0.0.1.",
            EXIT_USAGE,
        )
    try:
        application = create_app(settings)
    except OidcConfigError as err:
        fail(str(err), EXIT_USAGE)
    uvicorn.run(application, host=bind, port=port or default_port)


def _has_keys(settings: Settings) -> bool:
    return bool(open_store(settings).has_active_api_keys())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything, so it is not loopback
        return False


# -- cases -------------------------------------------------------------------------------------


@app.command()
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
            "person); refund: start the refund process directly"
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
            process=process,  # type: ignore[arg-type]  # validated by the model
            customer_id=customer,
            order_id=order,
            subject=subject,
            body=body,
            requested_amount_cents=amount_cents,
            channel=channel,
            **fields,
        )
    except ValidationError as err:
        _input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await _caller(settings, store, key, key_file, TICKETS_WRITE)
        requester = requester_for(caller, submission.asserted_requester())
        started = await file_ticket(
            await connect_or_explain(), settings, submission.filed_by(requester)
        )
        if not started.existing:
            detail = f"filed a {started.process} case, requested by {requester}"
            _audit(store, caller, ticket_id, "cli_ticket_filed", detail)
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


@app.command()
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
        _input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        caller = await _caller(settings, store, key, key_file, TICKETS_WRITE)
        accepted = await send_reply(await connect_or_explain(), ticket_id, submission)
        detail = f"delivered customer reply {accepted.round} via {channel}"
        _audit(store, caller, ticket_id, "cli_reply_delivered", detail)
        return accepted

    receipt = run_async(work)
    typer.echo(
        f"Reply {receipt.round} delivered to ticket {ticket_id}; the case continues "
        f"(it was {receipt.state})."
    )
    typer.echo(f"  Follow it:   supportflow status {ticket_id}")


@app.command()
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
        await _caller(settings, store, key, key_file, TICKETS_READ)
        return await read_ticket(await connect_or_explain(), store, settings, ticket_id)

    view = run_async(work)
    if view is None:
        fail(f"no case and no CRM record for ticket {ticket_id}", EXIT_REFUSED)
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    typer.echo("\n".join(describe_case(view)))


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
        _input_error(err)
    store = open_store(settings)

    async def work() -> Any:
        # The approver is whoever the person credential belongs to; there is no --as.
        token = _presented_key(settings, key, key_file)
        person = require_person(await authenticate(store, _oidc(settings), token))
        receipt = await decide(
            await connect_or_explain(),
            store,
            ticket_id,
            submission,
            approver=person.id,
            channel="cli",
        )
        detail = f"{decision} on request {receipt.request_id}: {receipt.status}"
        _audit(store, person, ticket_id, "cli_approval_decided", detail)
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


@app.command()
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


@app.command()
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


@app.command()
def replay(
    workflow_id: Annotated[
        str | None, typer.Option(help="Fetch this workflow's history from Temporal")
    ] = None,
    run_id: Annotated[str | None, typer.Option(help="A specific run (default: the latest)")] = None,
    history_file: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Replay a history JSON file instead"),
    ] = None,
) -> None:
    """Replay a case's history against this checkout's workflow code; exit 1 if it diverges.

    Run it before deploying workflow changes: a nondeterministic change needs workflow.patched()
    or it breaks every case still running.
    """
    from worker.replay import case_workflows, fetch_history, load_history_file
    from worker.replay import replay as replay_history

    if (workflow_id is None) == (history_file is None):
        fail("give exactly one of --workflow-id or --history-file", EXIT_USAGE)

    async def work() -> Any:
        if history_file is not None:
            history = load_history_file(history_file, workflow_id)
        else:
            assert workflow_id is not None
            client = await connect_or_explain()
            try:
                history = await fetch_history(client, workflow_id, run_id)
            except RPCError as err:
                fail(f"cannot fetch history of {workflow_id}: {err.message}", EXIT_REFUSED)
        return await replay_history(history, case_workflows())

    report = run_async(work)
    if report.ok:
        typer.echo(f"Replayed {report.workflow_id} ({report.events} events): deterministic")
        return
    kind = "NONDETERMINISTIC" if report.nondeterministic else "replay failed"
    fail(
        f"{report.workflow_id} ({report.events} events) {kind} against the current code: "
        f"{report.failure}\nA change to workflow code needs workflow.patched() for running cases.",
        EXIT_REFUSED,
    )


# -- keys --------------------------------------------------------------------------------------

keys_app = typer.Typer(
    help="API keys of calling systems and people: create (shown once), list, revoke.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    name: Annotated[
        str | None,
        typer.Argument(help="Unique key name, e.g. the calling system (default: the person id)"),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(help="Make a person key: decisions made with it are this person's"),
    ] = None,
    slack_user: Annotated[
        str | None, typer.Option(help="The person's Slack user id (maps Slack clicks to them)")
    ] = None,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="Grant this scope (repeatable). Default: tickets:write and tickets:read for "
            "a system; plus approvals:write for a person. tickets:on_behalf lets a system name "
            "the agent it files for.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the key and its row as JSON")] = (
        False
    ),
) -> None:
    """Create a key. It is printed once and only its SHA-256 is stored: keep it now."""
    from integrations.crm_store import ApiKeyRefused

    if name is None and person is None:
        fail("name the key (a calling system's name) or give --person", EXIT_USAGE)
    store = open_store(load_settings())
    try:
        issued = store.create_api_key(
            name or person or "",
            "person" if person else "system",
            person_id=person,
            slack_user_id=slack_user,
            scopes=scope or None,
            created_by=f"cli:{os.environ.get('USER', 'unknown')}",
        )
    except ApiKeyRefused as refused:
        fail(str(refused), EXIT_USAGE)
    if as_json:
        typer.echo(json.dumps({"key": issued.key, **issued.view.model_dump(mode="json")}, indent=2))
        return
    who = f"person {issued.view.person_id}" if person else "calling system"
    typer.echo(f"Created key {issued.view.name} ({issued.view.key_id}) for {who}")
    typer.echo(f"  scopes: {', '.join(issued.view.scopes)}")
    typer.echo(f"  key:    {issued.key}")
    typer.echo("It is shown only now; only its hash is stored. Send it as 'Authorization: Bearer'.")


@keys_app.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON")] = False,
) -> None:
    """List keys (never their secrets): who they belong to, scopes, last use, revocation."""
    keys = open_store(load_settings()).list_api_keys()
    if as_json:
        typer.echo(json.dumps([k.model_dump(mode="json") for k in keys], indent=2))
        return
    if not keys:
        typer.echo("No keys. Create one with `supportflow keys create`.")
        return
    for k in keys:
        owner = f"person {k.person_id}" + (f" (Slack {k.slack_user_id})" if k.slack_user_id else "")
        state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "never"
        typer.echo(
            f"{k.key_id}  {k.name:<24} {owner if k.kind == 'person' else 'system':<28} "
            f"{state:<24} last used {used}  scopes {','.join(k.scopes)}"
        )


@keys_app.command("revoke")
def keys_revoke(
    key: Annotated[str, typer.Argument(metavar="NAME_OR_KEY_ID", help="The key to end")],
) -> None:
    """Revoke a key at once and for good (its name is freed for a rotated key)."""
    from integrations.crm_store import ApiKeyRefused

    try:
        revoked = open_store(load_settings()).revoke_api_key(key)
    except ApiKeyRefused as refused:
        fail(str(refused), EXIT_REFUSED)
    typer.echo(f"Revoked key {revoked.key_id} (now listed as {revoked.name}).")


def _mount_optional_commands() -> None:
    """The knowledge/eval commands ship in their own module; mount them when it is present."""
    try:
        knowledge = importlib.import_module("worker.cli_knowledge")
    except ModuleNotFoundError as err:
        if err.name != "worker.cli_knowledge":
            raise
        return
    app.add_typer(knowledge.kb_app, name="kb")
    app.command("eval")(knowledge.eval_command)


_mount_optional_commands()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
