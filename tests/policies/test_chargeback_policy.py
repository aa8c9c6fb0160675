"""The chargeback policy as tables: recommendation rules, default action, deadlines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from policies.chargeback import (
    ChargebackPolicy,
    DisputeFacts,
    deadlines,
    default_action,
    recommend,
)

POLICY = ChargebackPolicy.model_validate_json(
    (Path(__file__).resolve().parents[2] / "policies" / "chargeback.json").read_text()
)
FULL = ["receipt", "product_description", "refund_policy", "customer_email_address",
        "customer_communication", "shipping_documentation", "cancellation_policy"]  # fmt: skip


@pytest.mark.parametrize(
    ("reason", "amount", "evidence", "order", "refunds", "action", "rule"),
    [
        ("fraudulent", 8_000, FULL, False, 0, "accept", "no_order"),
        ("fraudulent", 1_000, FULL, True, 0, "accept", "below_contest_minimum"),
        ("duplicate", 8_000, FULL, True, 0, "accept", "accepted_reason"),
        ("credit_not_processed", 8_000, FULL, True, 0, "accept", "accepted_reason"),
        ("bank_cannot_process", 8_000, FULL, True, 0, "accept", "reason_not_contested"),
        ("product_not_received", 8_000, ["receipt"], True, 0, "accept", "evidence_missing"),
        ("fraudulent", 8_000, ["receipt", "customer_email_address"], True, 0, "accept",
         "evidence_missing"),
        ("fraudulent", 8_000, FULL, True, 2, "contest", "customer_refunded_before"),
        ("general", 8_000, ["receipt", "product_description"], True, 0, "contest",
         "evidence_complete"),
        ("product_unacceptable", 1_500, FULL, True, 0, "contest", "evidence_complete"),
    ],
)  # fmt: skip
def test_recommendation(
    reason: str, amount: int, evidence: list[str], order: bool, refunds: int, action: str, rule: str
) -> None:
    advice = recommend(
        POLICY,
        DisputeFacts(
            reason=reason,
            amount_cents=amount,
            evidence_fields=evidence,
            order_found=order,
            customer_refund_count=refunds,
        ),
    )
    assert (advice.action, advice.rule) == (action, rule)


def test_missing_evidence_is_named() -> None:
    advice = recommend(
        POLICY,
        DisputeFacts(reason="product_not_received", amount_cents=9_000, evidence_fields=["receipt"],
                     order_found=True),
    )  # fmt: skip
    assert advice.missing_evidence == ["shipping_documentation"]


@pytest.mark.parametrize(
    ("configured", "recommended", "runs"),
    [("recommendation", "contest", "contest"), ("recommendation", "accept", "accept"),
     ("accept", "contest", "accept"), ("contest", "accept", "contest")],
)  # fmt: skip
def test_default_action(configured: str, recommended: str, runs: str) -> None:
    policy = POLICY.model_copy(update={"default_action": configured})
    assert default_action(policy, recommended) == runs  # type: ignore[arg-type]


NOW = datetime(2026, 12, 5, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due_in_hours", "remind", "escalate", "decide"),
    [
        (7 * 24, 7 * 24 - 72, 7 * 24 - 36, 7 * 24 - 12),
        (48, 0, 12, 36),  # late arrival: the reminder is due at once
        (6, 0, 0, 0),  # inside the margin: decided at once, never after due_by
    ],
)
def test_deadlines_before_due_by(
    due_in_hours: int, remind: int, escalate: int, decide: int
) -> None:
    times = deadlines(POLICY, NOW + timedelta(hours=due_in_hours), NOW)
    assert times.remind_at == NOW + timedelta(hours=remind)
    assert times.escalate_at == NOW + timedelta(hours=escalate)
    assert times.decide_by == NOW + timedelta(hours=decide)


def test_offsets_must_leave_time_for_each_step() -> None:
    data = json.loads(POLICY.model_dump_json())
    data["escalate_before_due_hours"] = 6
    with pytest.raises(ValidationError, match="safety_margin_hours"):
        ChargebackPolicy.model_validate(data)
