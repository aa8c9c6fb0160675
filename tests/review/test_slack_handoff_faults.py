"""SLA notices to Slack survive Slack's faults: a channel that is gone (best effort, noted),
and a post whose answer is lost (the retry finds its own message: one notice). Its own module,
so its time-skipping server has no other test's cases on it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from integrations.crm_store import CrmStore
from tests.review.handoff_steps import waiting_for_person
from tests.review.slack_desk import SlackDesk, desk, eventually
from tests.slack.fake_slack import fake_slack
from workflows.ticket.review_contract import HandoffReview

__all__ = ["desk", "fake_slack"]


async def test_sla_notices_survive_slack_faults(
    desk: SlackDesk, ticket_env: WorkflowEnvironment, store: CrmStore
) -> None:
    handle = await desk.tickets.start("Let me talk to a human please, not a bot.")
    status = await waiting_for_person(desk.tickets, handle)
    # The reminder's channel is gone: chat is best effort, the case carries on.
    desk.slack.fail_next("chat.postMessage", "channel_not_found")
    await ticket_env.sleep(timedelta(minutes=241))

    async def review() -> HandoffReview:
        current = await desk.tickets.status(handle)
        assert current.review is not None
        return current.review

    for _ in range(200):
        if (await review()).sla_reminded_at is not None:
            break
        await asyncio.sleep(0.05)
    # The breach notice reaches Slack but its answer is lost: the retry finds it, no second post.
    desk.slack.fail_next("chat.postMessage", "internal_error", status=500, apply_first=True)
    await ticket_env.sleep(timedelta(minutes=1200))
    await eventually(
        lambda: bool(store.list_handoffs(status.ticket_id)[0].sla_breached_at), "breach recorded"
    )
    escalations = desk.slack.messages("C0SUPPORTESCALATIONS")
    breaches = [m for m in escalations if m.text.startswith("SLA breached")]
    reposts = [m for m in escalations if status.ticket_id in m.text and m not in breaches]
    assert len(breaches) == 1 and len(reposts) == 1
    ticket = store.get_ticket(status.ticket_id)
    assert ticket is not None
    assert any(e.action == "chat_failed" and "remind" in e.detail for e in ticket.audit)
    assert (await review()).claimed_by is None
