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
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from pydantic import ValidationError
from temporalio.client import Client

from integrations.slack_approval_request import reject_modal
from integrations.slack_approval_updates import ApprovalStatusLine
from integrations.slack_approvals import SlackApprovals
from integrations.slack_blocks import (
    REASON_BLOCK,
    REASON_INPUT,
    REJECT_MODAL,
    ApprovalAction,
    RejectContext,
    mention,
)
from integrations.slack_directory import ApproverDirectory
from worker.approval_refusals import ApprovalRefused
from worker.approvals import ApprovalStore
from worker.slack_click_answers import UNAVAILABLE_TEXT, ClickAnswers, RecordClick
from worker.slack_click_payloads import (
    MALFORMED_FORM,
    REASON_REQUIRED,
    Acknowledgement,
    Click,
    ClickedRequest,
    Decision,
    MalformedClick,
    as_dict,
    click_from_block_actions,
    form_error,
    malformed_answer,
    notice_view,
    user_id,
)
from worker.slack_repeated_clicks import PriorDecision, RepeatedClicks
from workflows.case.contract import ApprovalDecision, ApprovalReceipt

log = logging.getLogger(__name__)

SubmitDecision = Callable[
    [Client, ApprovalStore, str, ApprovalDecision], Awaitable[ApprovalReceipt]
]
UNLINKED_HELP = (
    "Ask an admin to link it to you (`supportflow keys create --person <you> --slack-user "
    "<your Slack id>`), or decide with your own credentials over the API or CLI."
)


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
        self._clock = clock
        self._answers = ClickAnswers(slack=slack, record_click=record_click, clock=clock)
        self._repeats = RepeatedClicks(prior_decision)

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
            button, details = click_from_block_actions(payload)
            # partial, not a lambda: Starlette awaits a background task only if it can see the
            # coroutine function; a lambda would run in a thread and never await it.
            if button == "approve":
                return Acknowledgement(follow_up=partial(self._approve, details))
            return Acknowledgement(follow_up=partial(self._ask_reason, details))
        if kind == "view_submission":
            return self._acknowledge_view(payload)
        if not isinstance(kind, str) or not kind:
            raise MalformedClick("it has no interaction type", user=user_id(payload))
        # Other interactions (a modal closed, a shortcut) need no decision and no answer.
        return Acknowledgement()

    def _acknowledge_view(self, payload: dict[str, Any]) -> Acknowledgement:
        view = payload.get("view")
        if not isinstance(view, dict) or view.get("callback_id") != REJECT_MODAL:
            # A form we did not open: replace it with one that says so, as Slack shows modals.
            return Acknowledgement(body=notice_view(MALFORMED_FORM))
        try:
            context = RejectContext.model_validate_json(str(view.get("private_metadata") or ""))
            ClickedRequest.model_validate(context.model_dump())
        except ValidationError:
            log.warning("reject modal without usable private_metadata")
            return form_error(MALFORMED_FORM)
        values = as_dict(as_dict(view.get("state")).get("values"))
        reason = as_dict(as_dict(values.get(REASON_BLOCK)).get(REASON_INPUT)).get("value")
        if not isinstance(reason, str) or not reason.strip():
            # Keeps the modal open with the message under the field.
            return form_error(REASON_REQUIRED)
        user = user_id(payload)
        if user is None:
            return form_error(MALFORMED_FORM)
        return Acknowledgement(follow_up=partial(self._reject, user, context, reason.strip()))

    def _malformed(self, bad: MalformedClick) -> Acknowledgement:
        log.warning("Slack interaction not usable: %s", bad.why)
        body = malformed_answer(bad.why)
        if bad.user is None or bad.channel is None:
            return Acknowledgement(body=body)
        return Acknowledgement(
            body=body, follow_up=partial(self._answers.say, bad.channel, bad.user, body["text"])
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
                amount_cents=click.action.amount_cents or None,
                channel="slack",
            )
            receipt = await self._decide(click, person, decision)
            if receipt is not None:
                await self._answers.show(
                    click, self._answers.approval_outcome(click, person, receipt)
                )
        except Exception:
            log.exception("approve click failed", extra={"request_id": click.action.request_id})
            await self._answers.tell(click, UNAVAILABLE_TEXT)

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
            await self._answers.record(click, person, "reject", "reason_requested")
        except MalformedClick as bad:
            await self._answers.tell(click, malformed_answer(bad.why)["text"])
        except Exception:
            log.exception("reject click failed", extra={"request_id": click.action.request_id})
            await self._answers.tell(click, UNAVAILABLE_TEXT)

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
                amount_cents=action.amount_cents or None,
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
            outcome = ApprovalStatusLine(
                status="rejected",
                at=self._clock(),
                actor=mention(user, person),
                reason=reason,
                action=action.action,
            )
            await self._answers.show(current, outcome)
        except Exception:
            log.exception("reject submission failed", extra={"request_id": action.request_id})
            await self._answers.tell(click, UNAVAILABLE_TEXT)

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
        await self._answers.refused(click, None, action, refused)
        return None

    async def _repeated(self, click: Click, person: str, action: Decision) -> bool:
        """Whether this person already decided this request (then they are told so)."""
        refused = await self._repeats.refusal(click.action.request_id, person)
        if refused is None:
            return False
        await self._answers.refused(click, person, action, refused)
        return True

    async def _decide(
        self, click: Click, person: str, decision: ApprovalDecision
    ) -> ApprovalReceipt | None:
        key = (decision.request_id, person)
        if not self._repeats.claim(key):
            await self._answers.refused(
                click,
                person,
                decision.decision,
                ApprovalRefused(
                    "already_decided",
                    "You already clicked on this request; nothing more was done.",
                ),
            )
            return None
        try:
            receipt = await self._submit_decision(
                self._client, self._store, click.action.ticket_id, decision
            )
        except ApprovalRefused as refused:
            await self._answers.refused(click, person, decision.decision, refused)
            return None
        except Exception as error:
            log.warning(
                "approval decision not delivered: %s",
                error,
                extra={"request_id": decision.request_id},
            )
            await self._answers.record(
                click, person, decision.decision, "failed", detail=str(error)
            )
            await self._answers.tell(click, UNAVAILABLE_TEXT)
            return None
        finally:
            self._repeats.release(key)
        self._repeats.remember(key, decision.decision)
        await self._answers.record(click, person, decision.decision, "accepted")
        return receipt
