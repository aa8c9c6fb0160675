"""Where a ticket's events go: the system that filed it (recorded before its case starts) and
the callback URL rules. Shared by the API and the CLI; no web framework here."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from worker.auth import Principal

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def validate_callback_url(url: str) -> str:
    """https anywhere, plain http only on loopback (a local receiver): a signed body must not
    cross a network in the clear. Shared by the API and `supportflow keys callback`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("must use https (plain http only for localhost)")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials")
    return url


async def record_source(store: Any, principal: Principal, ticket_id: str) -> None:
    """Remember which system filed `ticket_id`, so its events reach that system's callback."""
    if principal.kind == "system":
        await asyncio.to_thread(
            store.record_ticket_source,
            ticket_id,
            system=principal.id.removeprefix("system:"),
        )
