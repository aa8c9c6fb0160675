"""Calls to the extras server's `/_extras/` helpers (Stripe has no such paths), for the demo and
tests: open or settle a dispute, register a webhook endpoint with a known secret."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlencode

from worker.settings import STRIPE_API_BASE_DEFAULT_KEY


def extras_call(base_url: str, path: str, params: dict[str, Any] | None = None) -> Any:
    """GET (no params) or form POST to the extras server, with the sandbox's key."""
    request = urllib.request.Request(
        base_url + path,
        data=urlencode(params).encode() if params is not None else None,
        headers={"Authorization": f"Bearer {STRIPE_API_BASE_DEFAULT_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def open_dispute(base_url: str, charge_id: str, **params: Any) -> dict[str, Any]:
    """The cardholder's bank disputes `charge_id` (`reason`, `due_in_seconds`, `amount`)."""
    answer: dict[str, Any] = extras_call(
        base_url, "/_extras/disputes", {"charge": charge_id, **params}
    )
    return answer
