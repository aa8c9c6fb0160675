"""What a click on a Slack approval message does; shared by HTTP interactivity and Socket Mode.

Slack wants an answer within 3 seconds, and an approval Update waits on a worker. So handling is
split: `acknowledge` inspects the payload without any I/O and returns what Slack gets back at
once, plus a follow-up coroutine that maps the Slack user to an approver, runs the decision
through `submit_decision` (worker/approvals.py), shows the outcome, and records the click.

Who may decide is not judged here: the workflow's Update validator is the one authority, for
Slack exactly as for the API and CLI. This module only refuses people the policy does not know.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from pydantic import ValidationError
from temporalio.client import Client

from activities.models import ApprovalClickRecord, ApprovalMessageRef
from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import (
    APPROVE_ACTION,
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_ACTION,
    REJECT_MODAL,
    ApprovalAction,
    ApprovalOutcome,
    Block,
    RejectContext,
    apply_outcome,
    mention,
    outcome_fallback,
    reject_modal,
)
from integrations.slack_directory import ApproverDirectory
from worker.approvals import ApprovalRefused, ApprovalStore
from workflows.models import ApprovalDecision, ApprovalReceipt

log = logging.getLogger(__name__)

SubmitDecision = Callable[
    [Client, ApprovalStore, str, ApprovalDecision], Awaitable[ApprovalReceipt]
]
RecordClick = Callable[[ApprovalClickRecord], Awaitable[None] | None]

REFUSAL_TITLES = {
    "not_an_approver": "You are not an approver for this refund.",
    "self_approval": "You cannot decide a refund you requested.",
    "stale_request": "This request changed since the message was posted; nothing was decided.",
    "already_decided": "This refund was already decided.",
    "expired": "This approval request has expired.",
    "no_pending_approval": "This case is not waiting for an approval.",
    "case_closed": "This case is closed.",
}
UNAVAILABLE_TEXT = (
    ":warning: Your decision could not be delivered to the case right now; nothing was "
    "decided. Please try again in a minute."
)
REASON_REQUIRED = "Say why the refund is rejected; the customer will read it."


@dataclass(frozen=True)
class Acknowledgement:
    """`body` is the JSON Slack gets at once (None: an empty 200); `follow_up` runs after."""

    body: dict[str, Any] | None = None
    follow_up: Callable[[], Coroutine[Any, Any, None]] | None = None


@dataclass(frozen=True)
class Click:
    user: str
    action: ApprovalAction
    channel: str
    message_ts: str
    trigger_id: str | None = None
    blocks: list[Block] = field(default_factory=list)
    text: str = ""


class ApprovalClickHandler:
    """Turns verified Slack interaction payloads into approval decisions."""

    def __init__(
        self,
        *,
        slack: SlackApprovals,
        directory: ApproverDirectory,
        submit_decision: SubmitDecision,
        temporal_client: Client,
        store: ApprovalStore,
        record_click: RecordClick,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._slack = slack
        self._directory = directory
        self._submit_decision = submit_decision
        self._client = temporal_client
        self._store = store
        self._record_click = record_click
        self._clock = clock

    def acknowledge(self, payload: dict[str, Any]) -> Acknowledgement:
        """No I/O here: this decides only what Slack hears back within its 3-second window."""
        kind = payload.get("type")
        if kind == "block_actions":
            click = _click_from_block_actions(payload)
            if click is None:
                return Acknowledgement()
            button, details = click
            # partial, not a lambda: Starlette awaits a background task only if it can see the
            # coroutine function; a lambda would run in a thread and never await it.
            if button == "approve":
                return Acknowledgement(follow_up=partial(self._approve, details))
            return Acknowledgement(follow_up=partial(self._ask_reason, details))
        view = payload.get("view") or {}
        if kind == "view_submission" and view.get("callback_id") == REJECT_MODAL:
            return self._acknowledge_reason(payload, view)
        return Acknowledgement()

    def _acknowledge_reason(self, payload: dict[str, Any], view: dict[str, Any]) -> Acknowledgement:
        try:
            context = RejectContext.model_validate_json(view.get("private_metadata") or "")
        except ValidationError:
            log.warning("reject modal without usable private_metadata")
            return Acknowledgement()
        values = (view.get("state") or {}).get("values") or {}
        reason = str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "")
        if not reason.strip():
            # Keeps the modal open with the message under the field.
            return Acknowledgement(
                body={"response_action": "errors", "errors": {REASON_BLOCK: REASON_REQUIRED}}
            )
        user = str((payload.get("user") or {}).get("id") or "")
        return Acknowledgement(follow_up=partial(self._reject, user, context, reason.strip()))

    # -- follow-ups: each catches and logs everything, there is no caller left to tell -----

    async def _approve(self, click: Click) -> None:
        try:
            approver = await self._approver(click, "approve")
            if approver is None:
                return
            decision = ApprovalDecision(
                request_id=click.action.request_id,
                approver=approver,
                decision="approve",
                amount_cents=click.action.amount_cents,
                channel="slack",
            )
            receipt = await self._decide(click, approver, decision)
            if receipt is not None:
                outcome = ApprovalOutcome(
                    status="approved" if receipt.status == "approved" else "partially_approved",
                    at=self._clock(),
                    actor=mention(click.user, approver),
                    approvals_received=receipt.approvals_received,
                    required_approvals=receipt.required_approvals,
                )
                await self._show(click, outcome)
        except Exception:
            log.exception("approve click failed", extra={"request_id": click.action.request_id})

    async def _ask_reason(self, click: Click) -> None:
        try:
            approver = await self._approver(click, "reject")
            if approver is None or click.trigger_id is None:
                return
            context = RejectContext(
                **click.action.model_dump(), channel=click.channel, message_ts=click.message_ts
            )
            # trigger_id lives 3 s from the click: open the modal before anything slower.
            await asyncio.to_thread(self._slack.open_view, click.trigger_id, reject_modal(context))
            await self._record(click, approver, "reject", "reason_requested")
        except Exception:
            log.exception("reject click failed", extra={"request_id": click.action.request_id})

    async def _reject(self, user: str, context: RejectContext, reason: str) -> None:
        action = ApprovalAction.model_validate(context.model_dump())
        click = Click(
            user=user, action=action, channel=context.channel, message_ts=context.message_ts
        )
        try:
            approver = await self._approver(click, "reject")
            if approver is None:
                return
            decision = ApprovalDecision(
                request_id=action.request_id,
                approver=approver,
                decision="reject",
                reason=reason,
                amount_cents=action.amount_cents,
                channel="slack",
            )
            if await self._decide(click, approver, decision) is None:
                return
            # A modal submission carries no message: read the current one back to re-render it.
            message = await asyncio.to_thread(self._slack.message, click.channel, click.message_ts)
            if message is None:
                return
            current = Click(
                user=user,
                action=action,
                channel=click.channel,
                message_ts=click.message_ts,
                blocks=list(message.get("blocks") or []),
                text=str(message.get("text") or ""),
            )
            outcome = ApprovalOutcome(
                status="rejected", at=self._clock(), actor=mention(user, approver), reason=reason
            )
            await self._show(current, outcome)
        except Exception:
            log.exception("reject submission failed", extra={"request_id": action.request_id})

    async def _approver(self, click: Click, action: Literal["approve", "reject"]) -> str | None:
        approver = await asyncio.to_thread(
            self._directory.approver_for, click.user, click.action.level
        )
        if approver is None:
            refused = ApprovalRefused(
                "not_an_approver", "Your Slack account is not an approver in the refund policy."
            )
            await self._refused(click, None, action, refused)
        return approver

    async def _decide(
        self, click: Click, approver: str, decision: ApprovalDecision
    ) -> ApprovalReceipt | None:
        try:
            receipt = await self._submit_decision(
                self._client, self._store, click.action.ticket_id, decision
            )
        except ApprovalRefused as refused:
            await self._refused(click, approver, decision.decision, refused)
            return None
        except Exception as error:
            log.warning(
                "approval decision not delivered: %s",
                error,
                extra={"request_id": decision.request_id},
            )
            await self._record(click, approver, decision.decision, "failed", detail=str(error))
            await self._tell(click, UNAVAILABLE_TEXT)
            return None
        await self._record(click, approver, decision.decision, "accepted")
        return receipt

    async def _refused(
        self,
        click: Click,
        approver: str | None,
        action: Literal["approve", "reject"],
        refused: ApprovalRefused,
    ) -> None:
        await self._record(
            click, approver, action, "refused", code=refused.code, detail=refused.message
        )
        title = REFUSAL_TITLES.get(refused.code, "Your decision was not accepted.")
        await self._tell(click, f":no_entry: {title} {refused.message} Nothing was changed.")

    async def _show(self, click: Click, outcome: ApprovalOutcome) -> None:
        ref = ApprovalMessageRef(channel=click.channel, ts=click.message_ts)
        blocks = apply_outcome(click.blocks, outcome)
        text = outcome_fallback(outcome, click.text or "refund approval")
        await asyncio.to_thread(self._slack.update, ref, text=text, blocks=blocks)

    async def _tell(self, click: Click, text: str) -> None:
        try:
            await asyncio.to_thread(self._slack.post_ephemeral, click.channel, click.user, text)
        except Exception:
            log.exception("could not tell %s about their click", click.user)

    async def _record(
        self,
        click: Click,
        approver: str | None,
        action: Literal["approve", "reject"],
        outcome: Literal["accepted", "refused", "reason_requested", "failed"],
        *,
        code: str | None = None,
        detail: str = "",
    ) -> None:
        record = ApprovalClickRecord(
            ticket_id=click.action.ticket_id,
            request_id=click.action.request_id,
            slack_user_id=click.user,
            approver=approver,
            action=action,
            outcome=outcome,
            code=code,
            detail=detail,
            channel=click.channel,
            message_ts=click.message_ts,
            at=self._clock(),
        )
        try:
            result = self._record_click(record)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # The decision itself is in workflow history and the CRM; losing the click row must
            # not hide the outcome from the approver.
            log.exception(
                "could not record approval click", extra={"request_id": record.request_id}
            )


def _click_from_block_actions(
    payload: dict[str, Any],
) -> tuple[Literal["approve", "reject"], Click] | None:
    actions = [
        a
        for a in payload.get("actions") or []
        if a.get("action_id") in (APPROVE_ACTION, REJECT_ACTION)
    ]
    if not actions:
        return None
    chosen = actions[0]
    try:
        action = ApprovalAction.decode(str(chosen.get("value") or ""))
    except ValidationError:
        log.warning("approval button without a usable value")
        return None
    container = payload.get("container") or {}
    message = payload.get("message") or {}
    channel = container.get("channel_id") or (payload.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or message.get("ts")
    user = (payload.get("user") or {}).get("id")
    if not (channel and message_ts and user):
        log.warning("approval click without channel, message or user")
        return None
    kind: Literal["approve", "reject"] = (
        "approve" if chosen.get("action_id") == APPROVE_ACTION else "reject"
    )
    return kind, Click(
        user=str(user),
        action=action,
        channel=str(channel),
        message_ts=str(message_ts),
        trigger_id=payload.get("trigger_id"),
        blocks=list(message.get("blocks") or []),
        text=str(message.get("text") or ""),
    )
