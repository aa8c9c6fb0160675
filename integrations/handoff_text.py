"""Renders a hand-off package for people: a Markdown note for the ticket and a Slack message.

The package is the agent's starting point, so the order matters: why it came to them, what the
customer wants, who the customer is, what the automation already tried, what to do next.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from integrations.crm_records import CustomerContext
from integrations.knowledge.models import Citation
from integrations.slack_blocks import Block, escape
from integrations.slack_handoff_card import handoff_buttons
from policies.routing_policy import RouteDecision
from policies.triage_schema import TriageResult

MAX_SECTION = 2900  # Slack section text limit is 3000 characters.


class HandoffPackage(BaseModel):
    """Everything a person needs to take a ticket over without re-reading the whole history."""

    handoff_id: str
    ticket_id: str
    workflow_id: str
    reason: str
    summary: str
    urgency: str
    triage: TriageResult | None = None
    route: RouteDecision | None = None
    customer: CustomerContext | None = None
    customer_id: str
    sources: list[Citation] = []
    draft_reply: str | None = None
    tried: list[str] = []
    recommended_next_step: str
    created_at: datetime


def _customer_line(package: HandoffPackage) -> str:
    c = package.customer
    if c is None:
        return f"{package.customer_id} (not found in the CRM)"
    return f"{c.name} <{c.email}> · tier {c.tier} · {c.recent_refund_count} refunds recently"


def _triage_line(package: HandoffPackage) -> str:
    t = package.triage
    if t is None:
        return "not available"
    orders = ", ".join(t.entities.order_ids) or "none named"
    signals = ", ".join(t.signals) or "none"
    return (
        f"{t.intent} ({t.confidence:.2f}, {t.engine}) · sentiment {t.sentiment} · urgency "
        f"{t.urgency} · language {t.language} · orders: {orders} · signals: {signals}"
    )


def handoff_markdown(package: HandoffPackage) -> str:
    lines = [
        f"## Hand-off: {package.reason}",
        f"**Summary:** {package.summary}",
        f"**Customer:** {_customer_line(package)}",
        f"**Triage:** {_triage_line(package)}",
    ]
    if package.route is not None:
        lines.append(f"**Route:** {package.route.rule} (policy {package.route.policy_version})")
    if package.tried:
        lines.append("**Already tried:**\n" + "\n".join(f"- {step}" for step in package.tried))
    if package.sources:
        lines.append("**Sources:**\n" + "\n".join(f"- {s.title}: {s.url}" for s in package.sources))
    if package.draft_reply:
        lines.append("**Draft reply (not sent):**\n" + package.draft_reply)
    lines.append(f"**Recommended next step:** {package.recommended_next_step}")
    lines.append(f"_Workflow {package.workflow_id} · hand-off {package.handoff_id}_")
    return "\n\n".join(lines)


def handoff_text(package: HandoffPackage) -> str:
    """Notification fallback text (also what screen readers and push notifications show)."""
    return f"Ticket {package.ticket_id} needs a person: {package.reason}"


def handoff_blocks(package: HandoffPackage) -> list[Block]:
    def section(text: str) -> Block:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_SECTION]}}

    blocks: list[Block] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": f"Ticket {package.ticket_id} needs a person"[:150],
            },
        },
        section(f"*Why:* {escape(package.reason)}\n*Summary:* {escape(package.summary)}"),
        section(
            f"*Customer:* {escape(_customer_line(package))}\n"
            f"*Triage:* {escape(_triage_line(package))}"
        ),
    ]
    if package.tried:
        blocks.append(
            section("*Already tried:*\n" + "\n".join(f"• {escape(s)}" for s in package.tried))
        )
    if package.sources:
        links = "\n".join(f"• <{s.url}|{escape(s.title)}>" for s in package.sources)
        blocks.append(section(f"*Sources:*\n{links}"))
    if package.draft_reply:
        blocks.append(section(f"*Draft reply (not sent):*\n>{escape(package.draft_reply)}"))
    blocks.append(section(f"*Next step:* {escape(package.recommended_next_step)}"))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Workflow `{package.workflow_id}` · urgency {package.urgency}",
                }
            ],
        }
    )
    blocks.append(
        handoff_buttons(package.ticket_id, package.handoff_id, has_draft=bool(package.draft_reply))
    )
    return blocks
