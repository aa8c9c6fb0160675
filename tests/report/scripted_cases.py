"""Seven cases with known figures (worked out by hand in test_outcome_metrics.py), covering
every metric and failure category of the outcomes report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.outcome_facts import ApprovalFacts, AuditFact, CaseFacts, HandoffFacts
from policies.outcome_costs import FailureRules, HumanRates, LlmPrices, OutcomeCosts

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def m(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


# One unit per minute of a person, 1 / 2 per million input / output tokens: easy arithmetic.
COSTS = OutcomeCosts(
    version="test-costs",
    currency="USD",
    llm=LlmPrices(input_per_million_tokens=1.0, output_per_million_tokens=2.0),
    human=HumanRates(
        per_hour=60.0, minutes_per_approval_decision=2.0, minutes_per_unclaimed_handoff=5.0
    ),
    failure_rules=FailureRules(bad_retrieval_min_edit_distance=0.5),
)


def _case(ticket_id: str, created: datetime, **fields: object) -> CaseFacts:
    base: dict[str, object] = {
        "ticket_id": ticket_id,
        "created_at": created,
        "intent": "how_to",
        "process": "knowledge",
        "tier": "standard",
        "channel": "email",
        "status": "resolved",
    }
    return CaseFacts(**(base | fields))  # type: ignore[arg-type]


def scripted_cases() -> list[CaseFacts]:
    a, b, c = T0, T0 + m(60), T0 + m(120)
    d, e, f, g = T0 + DAY, T0 + DAY + m(60), T0 + DAY + m(120), T0 + DAY + m(180)
    return [
        # Answered from the help center, nobody touched it.
        _case(
            "A",
            a,
            first_reply_at=a + m(2),
            ended_at=a + m(2),
            input_tokens=1000,
            output_tokens=500,
        ),
        # A refund a person approved after 30 minutes.
        _case(
            "B",
            b,
            intent="refund_request",
            process="refund",
            tier="vip",
            channel="api",
            first_reply_at=b + m(40),
            ended_at=b + m(45),
            approvals=[
                ApprovalFacts(
                    requested_at=b + m(1),
                    decided_at=b + m(31),
                    status="approved",
                    decisions=["approve"],
                )
            ],
        ),
        # A draft held for review, edited (distance 0.25) and sent after 20 minutes' work.
        _case(
            "C",
            c,
            intent="order_status",
            first_reply_at=c + m(1),
            ended_at=c + m(31),
            input_tokens=2000,
            output_tokens=1000,
            handoffs=[
                HandoffFacts(
                    reason="The drafted answer needs review: confidence 0.42",
                    opened_at=c + m(1),
                    claimed_at=c + m(11),
                    resolved_at=c + m(31),
                    ending="edited",
                    drafted=True,
                    edit_distance=0.25,
                )
            ],
        ),
        # A complaint: SLA breached, resolved, reopened by the customer, resolved again.
        _case(
            "D",
            d,
            intent="complaint",
            process="escalation",
            tier="vip",
            channel="chat",
            first_reply_at=d + m(1),
            ended_at=d + m(480),
            audit=[
                AuditFact(
                    actor="supportflow",
                    action="routed:escalate",
                    detail="intent_escalates:complaint: Policy sends this intent to a person.",
                )
            ],
            handoffs=[
                HandoffFacts(
                    reason="Policy sends this intent to a person.",
                    opened_at=d,
                    claimed_at=d + m(300),
                    resolved_at=d + m(360),
                    ending="resolved",
                    sla_breached=True,
                ),
                HandoffFacts(
                    reason="Policy sends this intent to a person.",
                    opened_at=d + m(420),
                    claimed_at=d + m(420),
                    resolved_at=d + m(480),
                    ending="resolved",
                    reopened=True,
                ),
            ],
        ),
        # No help-center article: waiting for a person at the end of the period.
        _case(
            "E",
            e,
            status="escalated",
            first_reply_at=e + m(1),
            handoffs=[
                HandoffFacts(
                    reason="No help-center article answers the question.", opened_at=e + m(1)
                )
            ],
        ),
        # A draft rejected (resolved without a claim); Slack failed; an outsider was refused.
        _case(
            "F",
            f,
            intent="billing_question",
            tier="unknown",
            channel="api",
            ended_at=f + m(50),
            handoffs=[
                HandoffFacts(
                    reason="The drafted answer needs review: supervised rollout",
                    opened_at=f,
                    resolved_at=f + m(50),
                    ending="resolved",
                    drafted=True,
                    draft_rejected=True,
                )
            ],
            audit=[
                AuditFact(actor="chat", action="chat_failed", detail="post_handoff: 503"),
                AuditFact(
                    actor="mallory",
                    action="api_handoff_refused",
                    detail="claim refused: not_an_agent (via key k1)",
                ),
            ],
        ),
        # The approver rejected the refund the policy proposed.
        _case(
            "G",
            g,
            intent="refund_request",
            process="refund",
            channel="api",
            status="rejected",
            first_reply_at=g + m(91),
            ended_at=g + m(91),
            approvals=[
                ApprovalFacts(
                    requested_at=g, decided_at=g + m(90), status="rejected", decisions=["reject"]
                )
            ],
        ),
    ]
