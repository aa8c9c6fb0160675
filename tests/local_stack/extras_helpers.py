"""Calls to the extras server's `/_extras/` test helpers, for tests and the demo."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlencode

from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY


def extras_call(base_url: str, path: str, params: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        base_url + path,
        data=urlencode(params).encode() if params is not None else None,
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def open_dispute(base_url: str, charge_id: str, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = extras_call(
        base_url, "/_extras/disputes", {"charge": charge_id, **params}
    )
    return answer
