"""What a click on a Slack approval message does; shared by HTTP interactivity and Socket Mode.

Slack wants an answer within 3 seconds, and an approval Update waits on a worker. So handling is
split: `acknowledge` inspects the payload without any I/O and returns what Slack gets back at
once, plus a follow-up coroutine that maps the Slack user to an approver, runs the decision
through `submit_decision` (worker/approvals.py), shows the outcome, and records the click.

Who may decide is not judged here: the workflow's Update validator is the one authority, for
Slack exactly as for the API and CLI. This module only maps the Slack user to a person
(integrations/slack_directory.py) and refuses Slack accounts that are nobody.

Every signed click gets an answer the clicker sees: a decision, a refusal, "already decided" for
a repeated click (Temporal dedupes the Update id and would hand back the first receipt, which
must not be shown as a fresh approval), or "could not be read" for a payload that is garbled.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
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
from worker.approval_refusals import ApprovalRefused
from worker.approvals import ApprovalStore
from workflows.case.contract import ApprovalDecision, ApprovalReceipt

log = logging.getLogger(__name__)

SubmitDecision = Callable[
    [Client, ApprovalStore, str, ApprovalDecision], Awaitable[ApprovalReceipt]
]
RecordClick = Callable[[ApprovalClickRecord], Awaitable[None] | None]
# (request id, person id) -> the decision the CRM holds from that person on that request.
PriorDecision = Callable[[str, str], str | None]
Decision = Literal["approve", "reject"]

REFUSAL_TITLES = {
    "not_an_approver": "You are not an approver for this refund.",
    "self_approval": "You cannot decide a refund you requested.",
    "stale_request": "This request changed since the message was posted; nothing was decided.",
    "already_decided": "This refund was already decided.",
    "expired": "This approval request has expired.",
    "no_pending_approval": "This case is not waiting for an approval.",
    "case_closed": "This case is closed.",
    "unlinked_slack_account": "Your Slack account is not linked to a supportflow person.",
}
UNAVAILABLE_TEXT = (
    ":warning: Your decision could not be delivered to the case right now; nothing was "
    "decided. Please try again in a minute."
)
REASON_REQUIRED = "Say why the refund is rejected; the customer will read it."
MALFORMED_TEXT = (
    ":warning: supportflow could not read this click ({why}); nothing was decided. Use the "
    "buttons on the latest approval message, or decide with `supportflow approve`."
)
MALFORMED_FORM = (
    "This form no longer matches a refund request; nothing was decided. Close it and click "
    "Reject on the approval message again."
)
UNLINKED_HELP = (
    "Ask an admin to link it to you (`supportflow keys create --person <you> --slack-user "
    "<your Slack id>`), or decide with your own credentials over the API or CLI."
)
# Bounds the in-memory record of accepted clicks; the CRM check covers anything older.
_REMEMBERED_DECISIONS = 10_000


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


class MalformedClick(Exception):
    """A signed payload we cannot act on. `user`/`channel` are set when they could be read, so
    the answer can also reach the clicker as an ephemeral message."""

    def __init__(self, why: str, *, user: str | None = None, channel: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.user = user
        self.channel = channel


class _ClickedRequest(BaseModel):
    """The bounds a button value must meet to name a decidable request (those of
    `ApprovalDecision` and `RefundRequest`), checked before anything is sent to a case."""

    ticket_id: str = Field(min_length=1, max_length=64)
    request_id: str = Field(min_length=1, max_length=64)
    amount_cents: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=8)
    level: str = Field(min_length=1, max_length=64)


def malformed_answer(why: str) -> dict[str, Any]:
    """What Slack gets back for a click we cannot read: an ephemeral text in the response body,
    the form Slack shows for interactive responses (we also post it with chat.postEphemeral
    when the payload names a user and channel)."""
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": MALFORMED_TEXT.format(why=why),
    }


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
        prior_decision: PriorDecision | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._slack = slack
        self._directory = directory
        self._submit_decision = submit_decision
        self._client = temporal_client
        self._store = store
        self._record_click = record_click
        self._prior_decision = prior_decision
        self._clock = clock
        # (request id, person) -> decision, for clicks this process delivered or is delivering.
        # The CRM (`prior_decision`) knows decisions from other processes and channels, but only
        # once the workflow has recorded them; this covers the moments in between.
        self._delivered: OrderedDict[tuple[str, str], Decision] = OrderedDict()
        self._in_flight: set[tuple[str, str]] = set()

    def acknowledge(self, payload: Any) -> Acknowledgement:
        """No I/O here: this decides only what Slack hears back within its 3-second window."""
        try:
            return self._acknowledge(payload)
        except MalformedClick as bad:
            return self._malformed(bad)
        except Exception:
            # A payload shape nobody anticipated must still get an answer, never a 500.
            log.exception("unreadable Slack interaction")
            return self._malformed(MalformedClick("its content is not what Slack sends"))

    def _acknowledge(self, payload: Any) -> Acknowledgement:
        if not isinstance(payload, dict):
            raise MalformedClick("the payload is not a JSON object")
        kind = payload.get("type")
        if kind == "block_actions":
            button, details = _click_from_block_actions(payload)
            # partial, not a lambda: Starlette awaits a background task only if it can see the
            # coroutine function; a lambda would run in a thread and never await it.
            if button == "approve":
                return Acknowledgement(follow_up=partial(self._approve, details))
            return Acknowledgement(follow_up=partial(self._ask_reason, details))
        if kind == "view_submission":
            return self._acknowledge_view(payload)
        if not isinstance(kind, str) or not kind:
            raise MalformedClick("it has no interaction type", user=_user_id(payload))
        # Other interactions (a modal closed, a shortcut) need no decision and no answer.
        return Acknowledgement()

    def _acknowledge_view(self, payload: dict[str, Any]) -> Acknowledgement:
        view = payload.get("view")
        if not isinstance(view, dict) or view.get("callback_id") != REJECT_MODAL:
            # A form we did not open: replace it with one that says so, as Slack shows modals.
            return Acknowledgement(body=_notice_view(MALFORMED_FORM))
        try:
            context = RejectContext.model_validate_json(str(view.get("private_metadata") or ""))
            _ClickedRequest.model_validate(context.model_dump())
        except ValidationError:
            log.warning("reject modal without usable private_metadata")
            return _form_error(MALFORMED_FORM)
        values = _dict(_dict(view.get("state")).get("values"))
        reason = _dict(_dict(values.get(REASON_BLOCK)).get(REASON_INPUT)).get("value")
        if not isinstance(reason, str) or not reason.strip():
            # Keeps the modal open with the message under the field.
            return _form_error(REASON_REQUIRED)
        user = _user_id(payload)
        if user is None:
            return _form_error(MALFORMED_FORM)
        return Acknowledgement(follow_up=partial(self._reject, user, context, reason.strip()))

    def _malformed(self, bad: MalformedClick) -> Acknowledgement:
        log.warning("Slack interaction not usable: %s", bad.why)
        body = malformed_answer(bad.why)
        if bad.user is None or bad.channel is None:
            return Acknowledgement(body=body)
        return Acknowledgement(
            body=body, follow_up=partial(self._say, bad.channel, bad.user, body["text"])
        )

    # -- follow-ups: each catches and logs everything, and still tells the clicker -----------

    async def _approve(self, click: Click) -> None:
        try:
            person = await self._approver(click, "approve")
            if person is None or await self._repeated(click, person, "approve"):
                return
            decision = ApprovalDecision(
                request_id=click.action.request_id,
                approver=person,
                decision="approve",
                amount_cents=click.action.amount_cents,
                channel="slack",
            )
            receipt = await self._decide(click, person, decision)
            if receipt is not None:
                await self._show(click, self._approval_outcome(click, person, receipt))
        except Exception:
            log.exception("approve click failed", extra={"request_id": click.action.request_id})
            await self._tell(click, UNAVAILABLE_TEXT)

    def _approval_outcome(
        self, click: Click, person: str, receipt: ApprovalReceipt
    ) -> ApprovalOutcome:
        if receipt.status == "superseded":
            # Approvals complete, but what they approved no longer holds: no money moves, and
            # the approver must not read "Approved" alone.
            return ApprovalOutcome(
                status="superseded",
                at=self._clock(),
                actor=mention(click.user, person),
                reason=receipt.message,
                approvals_received=receipt.approvals_received,
                required_approvals=receipt.required_approvals,
            )
        return ApprovalOutcome(
            status="approved" if receipt.status == "approved" else "partially_approved",
            at=self._clock(),
            actor=mention(click.user, person),
            approvals_received=receipt.approvals_received,
            required_approvals=receipt.required_approvals,
        )

    async def _ask_reason(self, click: Click) -> None:
        try:
            person = await self._approver(click, "reject")
            if person is None or await self._repeated(click, person, "reject"):
                return
            if click.trigger_id is None:
                raise MalformedClick("it carries no trigger to open the reason form")
            context = RejectContext(
                **click.action.model_dump(), channel=click.channel, message_ts=click.message_ts
            )
            # trigger_id lives 3 s from the click: open the modal before anything slower.
            await asyncio.to_thread(self._slack.open_view, click.trigger_id, reject_modal(context))
            await self._record(click, person, "reject", "reason_requested")
        except MalformedClick as bad:
            await self._tell(click, malformed_answer(bad.why)["text"])
        except Exception:
            log.exception("reject click failed", extra={"request_id": click.action.request_id})
            await self._tell(click, UNAVAILABLE_TEXT)

    async def _reject(self, user: str, context: RejectContext, reason: str) -> None:
        action = ApprovalAction.model_validate(context.model_dump())
        click = Click(
            user=user, action=action, channel=context.channel, message_ts=context.message_ts
        )
        try:
            person = await self._approver(click, "reject")
            if person is None or await self._repeated(click, person, "reject"):
                return
            decision = ApprovalDecision(
                request_id=action.request_id,
                approver=person,
                decision="reject",
                reason=reason,
                amount_cents=action.amount_cents,
                channel="slack",
            )
            if await self._decide(click, person, decision) is None:
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
                status="rejected", at=self._clock(), actor=mention(user, person), reason=reason
            )
            await self._show(current, outcome)
        except Exception:
            log.exception("reject submission failed", extra={"request_id": action.request_id})
            await self._tell(click, UNAVAILABLE_TEXT)

    async def _approver(self, click: Click, action: Decision) -> str | None:
        """The person behind the click, or None after telling the clicker why not."""
        level = click.action.level
        person = await asyncio.to_thread(self._directory.person_for, click.user, level)
        if person is not None:
            return person
        if await asyncio.to_thread(self._directory.in_approver_group, click.user, level):
            refused = ApprovalRefused("unlinked_slack_account", UNLINKED_HELP)
        else:
            refused = ApprovalRefused(
                "not_an_approver", "Your Slack account is not an approver in the refund policy."
            )
        await self._refused(click, None, action, refused)
        return None

    async def _repeated(self, click: Click, person: str, action: Decision) -> bool:
        """Whether this person already decided this request (then they are told so): a replayed
        or double click must not post "Approved" again, although Temporal would hand the first
        receipt back for it (the Update id is the same)."""
        key = (click.action.request_id, person)
        earlier = self._delivered.get(key)
        if earlier is None and key in self._in_flight:
            refused = ApprovalRefused(
                "already_decided",
                "You already clicked on this request; that decision is still being delivered.",
            )
            await self._refused(click, person, action, refused)
            return True
        if earlier is None and self._prior_decision is not None:
            earlier = _as_decision(
                await asyncio.to_thread(self._prior_decision, click.action.request_id, person)
            )
        if earlier is None:
            return False
        done = "approved" if earlier == "approve" else "rejected"
        refused = ApprovalRefused(
            "already_decided", f"You already {done} this request; nothing more was done."
        )
        await self._refused(click, person, action, refused)
        return True

    async def _decide(
        self, click: Click, person: str, decision: ApprovalDecision
    ) -> ApprovalReceipt | None:
        key = (decision.request_id, person)
        # Checked and claimed with no await in between: two copies of one click that both passed
        # `_repeated` (its lookups await) must not both be delivered and both shown as decided.
        if key in self._in_flight or key in self._delivered:
            await self._refused(
                click,
                person,
                decision.decision,
                ApprovalRefused(
                    "already_decided",
                    "You already clicked on this request; nothing more was done.",
                ),
            )
            return None
        self._in_flight.add(key)
        try:
            receipt = await self._submit_decision(
                self._client, self._store, click.action.ticket_id, decision
            )
        except ApprovalRefused as refused:
            await self._refused(click, person, decision.decision, refused)
            return None
        except Exception as error:
            log.warning(
                "approval decision not delivered: %s",
                error,
                extra={"request_id": decision.request_id},
            )
            await self._record(click, person, decision.decision, "failed", detail=str(error))
            await self._tell(click, UNAVAILABLE_TEXT)
            return None
        finally:
            self._in_flight.discard(key)
        self._remember(key, decision.decision)
        await self._record(click, person, decision.decision, "accepted")
        return receipt

    def _remember(self, key: tuple[str, str], decision: Decision) -> None:
        self._delivered[key] = decision
        self._delivered.move_to_end(key)
        while len(self._delivered) > _REMEMBERED_DECISIONS:
            self._delivered.popitem(last=False)

    async def _refused(
        self,
        click: Click,
        approver: str | None,
        action: Decision,
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
        await self._say(click.channel, click.user, text)

    async def _say(self, channel: str, user: str, text: str) -> None:
        try:
            await asyncio.to_thread(self._slack.post_ephemeral, channel, user, text)
        except Exception:
            log.exception("could not tell %s about their click", user)

    async def _record(
        self,
        click: Click,
        approver: str | None,
        action: Decision,
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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _user_id(payload: dict[str, Any]) -> str | None:
    return _text(_dict(payload.get("user")).get("id"))


def _as_decision(value: str | None) -> Decision | None:
    return value if value in ("approve", "reject") else None  # type: ignore[return-value]


def _form_error(message: str) -> Acknowledgement:
    """Keeps the reject modal open with `message` under its reason field."""
    return Acknowledgement(body={"response_action": "errors", "errors": {REASON_BLOCK: message}})


def _notice_view(message: str) -> dict[str, Any]:
    return {
        "response_action": "update",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": "supportflow"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": message}}],
        },
    }


def _click_from_block_actions(payload: dict[str, Any]) -> tuple[Decision, Click]:
    """The button and click in a block_actions payload, or MalformedClick saying what is off."""
    user = _user_id(payload)
    container = _dict(payload.get("container"))
    message = _dict(payload.get("message"))
    channel = _text(container.get("channel_id")) or _text(_dict(payload.get("channel")).get("id"))
    message_ts = _text(container.get("message_ts")) or _text(message.get("ts"))
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise MalformedClick("it names no button", user=user, channel=channel)
    chosen = _dict(actions[0])
    action_id = chosen.get("action_id")
    if action_id not in (APPROVE_ACTION, REJECT_ACTION):
        raise MalformedClick("it is not an Approve or Reject button", user=user, channel=channel)
    try:
        action = ApprovalAction.decode(str(chosen.get("value") or ""))
        _ClickedRequest.model_validate(action.model_dump())
    except ValidationError:
        log.warning("approval button without a usable value")
        raise MalformedClick(
            "the button does not name a refund request", user=user, channel=channel
        ) from None
    if not (channel and message_ts and user):
        log.warning("approval click without channel, message or user")
        raise MalformedClick(
            "it does not say who clicked on which message", user=user, channel=channel
        )
    kind: Decision = "approve" if action_id == APPROVE_ACTION else "reject"
    blocks = message.get("blocks")
    return kind, Click(
        user=user,
        action=action,
        channel=channel,
        message_ts=message_ts,
        trigger_id=_text(payload.get("trigger_id")),
        blocks=[b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else [],
        text=str(message.get("text") or ""),
    )
