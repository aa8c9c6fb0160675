"""Slack Web API calls for approvals, through one `WebClient` with client-side retries off.

Temporal owns retries, so the client gets no retry handlers: a rate limit or an outage surfaces
at once as `SlackApiError` / `URLError`, and `activities/slack_errors.py` decides what happens.

Posting is idempotent across retries by tagging each message with Slack message metadata
(`event_type` + the approval request id) and, before posting, reading the channel (or thread)
back for a message with that tag. A CRM row cannot serve here: an attempt that posted and then
died never got to record the ts, but the message carries its own tag.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from integrations.approval_messages import ApprovalMessageRef
from integrations.slack_blocks import Block

log = logging.getLogger(__name__)

REQUEST_EVENT = "supportflow_approval_request"
REMINDER_EVENT = "supportflow_approval_reminder"
ESCALATION_EVENT = "supportflow_approval_escalation"

DEFAULT_API_BASE = "https://slack.com/api/"


class SlackApprovals:
    """The handful of Slack calls approvals need. Channel ids (C…), not names: history lookups
    and message refs are keyed by id."""

    def __init__(self, client: WebClient, *, page_size: int = 200, max_pages: int = 20) -> None:
        self.client = client
        self._page_size = page_size
        self._max_pages = max_pages

    @classmethod
    def connect(
        cls, token: str, base_url: str | None = None, timeout: float = 10.0
    ) -> SlackApprovals:
        base = base_url or DEFAULT_API_BASE
        client = WebClient(
            token=token,
            base_url=base if base.endswith("/") else base + "/",
            timeout=int(timeout),
            retry_handlers=[],
        )
        return cls(client)

    def whoami(self) -> dict[str, Any]:
        """`auth.test`: proves the token works and names the bot, for startup checks."""
        return dict(self.client.auth_test().data)  # type: ignore[arg-type]

    def post_once(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[Block] | None,
        event_type: str,
        request_id: str,
        ticket_id: str,
        oldest: datetime | None,
        thread_ts: str | None = None,
    ) -> tuple[ApprovalMessageRef, bool]:
        """Posts unless a message tagged (event_type, request_id) already exists since `oldest`.

        Returns the message ref and whether it was found rather than posted.
        """
        found = self.find_tagged(
            channel,
            event_type=event_type,
            request_id=request_id,
            oldest=oldest,
            thread_ts=thread_ts,
        )
        if found is not None:
            return found, True
        response = self.client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            metadata={
                "event_type": event_type,
                "event_payload": {"request_id": request_id, "ticket_id": ticket_id},
            },
        )
        return ApprovalMessageRef(channel=response["channel"], ts=response["ts"]), False

    def find_tagged(
        self,
        channel: str,
        *,
        event_type: str,
        request_id: str,
        oldest: datetime | None,
        thread_ts: str | None = None,
    ) -> ApprovalMessageRef | None:
        for message in self._messages(channel, oldest, thread_ts):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and payload.get("request_id") == request_id:
                return ApprovalMessageRef(channel=channel, ts=str(message["ts"]))
        return None

    def _messages(
        self, channel: str, oldest: datetime | None, thread_ts: str | None
    ) -> Iterator[dict[str, Any]]:
        args: dict[str, Any] = {
            "channel": channel,
            "limit": self._page_size,
            "include_all_metadata": True,
        }
        if oldest is not None:
            args["oldest"] = f"{oldest.timestamp():.6f}"
        cursor: str | None = None
        for _ in range(self._max_pages):
            if thread_ts is None:
                page = self.client.conversations_history(cursor=cursor, **args)
            else:
                page = self.client.conversations_replies(ts=thread_ts, cursor=cursor, **args)
            yield from page.get("messages") or []
            cursor = _next_cursor(page)
            if not cursor:
                return
        # Bounded on purpose: a lookback this busy is a misconfigured window, not a reason to
        # read a channel's whole history on every attempt.
        log.warning(
            "slack idempotency lookup stopped after %d pages",
            self._max_pages,
            extra={"channel": channel},
        )

    def update(self, ref: ApprovalMessageRef, *, text: str, blocks: list[Block]) -> None:
        self.client.chat_update(channel=ref.channel, ts=ref.ts, text=text, blocks=blocks)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """One message by ts, as Slack renders it now (for re-rendering after a modal)."""
        page = self.client.conversations_history(
            channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
        )
        messages = page.get("messages") or []
        return dict(messages[0]) if messages else None

    def post_ephemeral(self, channel: str, user: str, text: str) -> None:
        self.client.chat_postEphemeral(channel=channel, user=user, text=text)

    def open_view(self, trigger_id: str, view: Block) -> None:
        self.client.views_open(trigger_id=trigger_id, view=view)

    def user_group_members(self, user_group: str) -> list[str]:
        response = self.client.usergroups_users_list(usergroup=user_group)
        return list(response.get("users") or [])


def _next_cursor(page: SlackResponse) -> str | None:
    metadata = page.get("response_metadata") or {}
    cursor = metadata.get("next_cursor")
    return cursor or None
