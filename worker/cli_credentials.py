"""Who a CLI command runs as: the API key (or OIDC token) presented, its scopes, and the audit row
every state change leaves under that caller's name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from worker.auth import AuthFailed, Principal, authenticate, require_scope
from worker.cli_exits import EXIT_USAGE, fail
from worker.oidc import OidcConfigError, OidcVerifier
from worker.settings import Settings

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


def presented_key(settings: Settings, key: str | None, key_file: Path | None) -> str:
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


def oidc_verifier(settings: Settings) -> OidcVerifier | None:
    try:
        return OidcVerifier.from_settings(settings)
    except OidcConfigError as err:
        fail(str(err), EXIT_USAGE)


async def authenticated_caller(
    settings: Settings, store: Any, key: str | None, key_file: Path | None, scope: str
) -> Principal:
    """The CLI talks to Temporal directly, so it checks the same credentials the API does: the
    command runs as the key's (or token's) owner, with that credential's scopes."""
    token = presented_key(settings, key, key_file)
    return require_scope(await authenticate(store, oidc_verifier(settings), token), scope)


def audit(store: Any, principal: Principal, ticket_id: str, action: str, detail: str) -> None:
    """Like the API, every state change leaves who made it (and with which key) in the CRM."""
    try:
        store.record_api_event(
            ticket_id, principal.id, action, f"{detail} (via {principal.credential})"
        )
    except Exception as err:  # the change is made; a missing audit row must not hide that
        typer.secho(f"warning: could not audit {action}: {err}", fg=typer.colors.YELLOW, err=True)
