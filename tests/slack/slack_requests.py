"""Interaction requests built the way Slack builds them.

Slack POSTs `application/x-www-form-urlencoded` with one field, `payload`, holding JSON, and signs
`v0:{X-Slack-Request-Timestamp}:{raw body}` with HMAC-SHA256 under the app's signing secret:
`X-Slack-Signature: v0=<hex digest>`. The signature is computed here by hand (not with the SDK's
verifier) so the test checks our endpoint against the documented scheme, not the SDK against
itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def form_body(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def signed_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def block_actions(
    *,
    user: str,
    action_id: str,
    value: str,
    channel: str,
    message_ts: str,
    blocks: list[dict[str, Any]],
    text: str = "",
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> dict[str, Any]:
    """A `block_actions` payload for a button click on a message, as documented by Slack."""
    return {
        "type": "block_actions",
        "team": {"id": "T0SUPPORT", "domain": "supportflow-test"},
        "user": {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": "T0SUPPORT",
        },
        "api_app_id": "A0TEST",
        "token": "verification-token-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "channel": {"id": channel, "name": "refunds"},
        "message": {
            "type": "message",
            "user": "U0SUPPORTBOT",
            "ts": message_ts,
            "text": text,
            "blocks": blocks,
        },
        "response_url": "https://hooks.slack.com/actions/T0SUPPORT/1/abc",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "approval_actions",
                "text": {"type": "plain_text", "text": "Approve", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    *, user: str, callback_id: str, private_metadata: str, values: dict[str, Any]
) -> dict[str, Any]:
    """A `view_submission` payload for a modal, with the inputs' state as Slack sends it."""
    return {
        "type": "view_submission",
        "team": {"id": "T0SUPPORT", "domain": "supportflow-test"},
        "user": {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": "T0SUPPORT",
        },
        "api_app_id": "A0TEST",
        "token": "verification-token-unused",
        "trigger_id": "13345224609.738474920.submit",
        "view": {
            "id": "V0REJECT",
            "team_id": "T0SUPPORT",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "156772938.1827394",
        },
        "response_urls": [],
    }


def reason_values(reason: str) -> dict[str, Any]:
    return {"reject_reason": {"reason": {"type": "plain_text_input", "value": reason}}}
