"""`supportflow keys`: the API keys of calling systems and people (create, list, revoke)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from worker.cli_exits import EXIT_REFUSED, EXIT_USAGE, fail, load_settings, open_store

keys_app = typer.Typer(
    help="API keys of calling systems and people: create (shown once), list, revoke.",
    no_args_is_help=True,
)


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


@keys_app.command("callback")
def keys_callback(
    system: Annotated[str, typer.Argument(help="The calling system (its key's name)")],
    url: Annotated[str, typer.Argument(help="Where its case events are POSTed (https)")],
    rotate_secret: Annotated[
        bool, typer.Option("--rotate-secret", help="Replace the signing secret")
    ] = False,
) -> None:
    """Register a system's callback URL: its tickets' case events (started, waiting for
    approval, reply, escalated, resolved) are POSTed there, signed per Standard Webhooks."""
    from worker.callback_sources import validate_callback_url

    try:
        validate_callback_url(url)
    except ValueError as err:
        fail(f"callback URL {err}", EXIT_USAGE)
    store = open_store(load_settings())
    active = [
        k
        for k in store.list_api_keys()
        if k.name == system and k.kind == "system" and not k.revoked_at
    ]
    if not active:
        fail(
            f"no active system key named {system!r} (supportflow keys create {system})",
            EXIT_REFUSED,
        )
    endpoint, fresh = store.register_callback(system, url, rotate_secret=rotate_secret)
    typer.echo(f"Callback of {system}: {endpoint.url}")
    if fresh:
        typer.echo(f"  signing secret: {endpoint.secret}")
        typer.echo("It is shown only now. Verify deliveries with it (docs/delivery.md).")
    else:
        typer.echo("  signing secret unchanged (--rotate-secret for a new one).")
