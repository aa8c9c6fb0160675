"""Every figure of the outcomes report on seven scripted cases, against answers worked out by
hand (tests/report/scripted_cases.py says what each case is)."""

from __future__ import annotations

import pytest

from integrations.outcome_categories import escalation_reason, failure_categories
from integrations.outcome_facts import ReplyFacts
from integrations.outcome_metrics import outcome_report, quantile
from tests.report.scripted_cases import COSTS, DAY, T0, _case, m, scripted_cases


def _report(by: str | None = None):  # type: ignore[no-untyped-def]
    return outcome_report(scripted_cases(), COSTS, T0, T0 + 2 * DAY, by)  # type: ignore[arg-type]


def test_resolution_escalation_and_reopen() -> None:
    o = _report().overall
    assert (o.cases, o.resolved, o.resolution_rate) == (7, 6, 0.8571)
    # Only A was resolved without a person: B had an approver, C/D/F hand-offs.
    assert (o.resolved_without_human, o.no_touch_resolution_rate) == (1, 0.1429)
    assert (o.escalated, o.escalation_rate) == (4, 0.5714)
    assert o.escalations_by_reason == {
        "draft_review": 2,
        "intent_escalates:complaint": 1,
        "no_knowledge": 1,
    }
    assert (o.reopened, o.reopen_rate) == (1, 0.1667)
    assert o.sla_breaches == 1


def test_times_are_nearest_rank_quantiles() -> None:
    o = _report().overall
    # First replies 2, 40, 1, 1, 1, 91 minutes (F had none).
    assert (o.first_response_minutes_p50, o.first_response_minutes_p90) == (1.0, 40.0)
    # Resolved in 2, 45, 31, 480, 50, 91 minutes (D ends with its second resolution).
    assert (o.resolution_minutes_p50, o.resolution_minutes_p90) == (45.0, 91.0)
    assert (o.approvals_decided, o.approval_latency_minutes_p50) == (2, 30.0)
    assert o.approval_latency_minutes_p90 == 90.0
    assert quantile([], 0.5) is None


def test_human_edit_rate_counts_edits_and_rejections() -> None:
    o = _report().overall
    assert (o.drafts_reviewed, o.drafts_changed, o.human_edit_rate) == (2, 2, 1.0)
    assert o.edit_distance_mean == 0.25


def test_cost_per_resolved_case() -> None:
    o = _report().overall
    # Tokens: A 1000/500 and C 2000/1000 at 1 and 2 per million.
    assert o.llm_cost == 0.006
    # B 2 (one decision) + C 20 + D 60 + 60 + F 5 (no claim) + G 2 = 149 minutes at 1 a minute.
    assert (o.human_minutes, o.human_cost) == (149.0, 149.0)
    assert o.cost_per_resolved_case == round((149 + 0.006) / 6, 4)


def test_failure_categories() -> None:
    o = _report().overall
    assert o.failure_categories == {
        "missing_knowledge": 1,
        "wrong_policy": 1,
        "bad_retrieval": 1,
        "integration_failure": 1,
        "permission_issue": 1,
        "escalation_delay": 1,
    }
    by_case = {c.ticket_id: failure_categories(c, 0.5) for c in scripted_cases()}
    assert by_case == {
        "A": [],
        "B": [],
        "C": [],
        "D": ["escalation_delay"],
        "E": ["missing_knowledge"],
        "F": ["bad_retrieval", "integration_failure", "permission_issue"],
        "G": ["wrong_policy"],
    }
    # C's edit of 0.25 counts as bad retrieval once the threshold is that low.
    assert failure_categories(scripted_cases()[2], 0.25) == ["bad_retrieval"]


def test_escalation_reason_of_a_case_that_did_not_escalate_is_none() -> None:
    assert [escalation_reason(c) for c in scripted_cases()][:2] == [None, None]


def test_trend_and_histogram() -> None:
    report = _report()
    assert [(p.day, p.cases, p.resolved, p.resolution_rate) for p in report.trend] == [
        ("2026-12-01", 3, 3, 1.0),
        ("2026-12-02", 4, 3, 0.75),
    ]
    assert [p.no_touch_resolution_rate for p in report.trend] == [0.3333, 0.0]
    assert report.resolution_time_histogram == {
        "< 1 h": 4,
        "1-4 h": 1,
        "4-24 h": 1,
        "1-3 d": 0,
        "> 3 d": 0,
    }


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("tier", {"standard": (4, 3), "unknown": (1, 1), "vip": (2, 2)}),
        ("channel", {"api": (3, 3), "chat": (1, 1), "email": (3, 2)}),
        (
            "intent",
            {
                "billing_question": (1, 1),
                "complaint": (1, 1),
                "how_to": (2, 1),
                "order_status": (1, 1),
                "refund_request": (2, 2),
            },
        ),
        ("process", {"escalation": (1, 1), "knowledge": (4, 3), "refund": (2, 2)}),
    ],
)
def test_slices(by: str, expected: dict[str, tuple[int, int]]) -> None:
    slices = _report(by).slices
    assert {k: (v.cases, v.resolved) for k, v in slices.items()} == expected


def test_vip_slice_figures() -> None:
    vip = _report("tier").slices["vip"]
    assert (vip.escalated, vip.reopened, vip.sla_breaches, vip.human_minutes) == (1, 1, 1, 122.0)
    assert vip.cost_per_resolved_case == 61.0


GONE, BUSY = "DeliveryTargetGone: 410", "DeliveryUnavailable: 503"


def test_replies_by_delivery_state_and_every_failed_one_listed() -> None:
    def reply(n: int, status: str, error: str | None = None) -> ReplyFacts:
        return ReplyFacts(n, T0 + m(n), status, attempts=3, last_error=error)

    cases = [
        *scripted_cases()[:2],
        _case("X", T0, tier="vip", replies=[reply(1, "sent"), reply(2, "failed", GONE)]),
        _case(
            "Y",
            T0,
            status="awaiting_approval",
            replies=[reply(3, "queued"), reply(4, "failed", BUSY)],
        ),
    ]
    report = outcome_report(cases, COSTS, T0, T0 + 2 * DAY, "tier")
    o = report.overall
    assert (o.replies_sent, o.replies_failed, o.replies_queued) == (1, 2, 1)
    assert report.slices["vip"].replies_failed == 1
    assert [(r.ticket_id, r.message_id, r.last_error) for r in report.failed_replies] == [
        ("X", 2, GONE),
        ("Y", 4, BUSY),
    ]
