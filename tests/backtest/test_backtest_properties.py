"""Properties of the backtest over generated case histories: the deciding policy changes
nothing, and lower approval limits change who agrees, not the money."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.backtest import backtest_refunds
from policies.backtest_cases import PastCase
from tests.backtest.scripted_cases import refund_case, refund_policy

request = st.tuples(
    st.integers(0, 3),  # which order (several requests may hit one)
    st.integers(100, 60_000),  # amount
    st.floats(0, 45),  # order age in days
    st.sampled_from(["standard", "gold", "vip"]),
    st.sampled_from([None, "rejected", "expired"]),
)


def _history(requests: list[tuple[int, int, float, str, str | None]]) -> list[PastCase]:
    """Cases in order, each with what the earlier ones paid on its order counted, as Stripe
    would have reported it when the case decided."""
    paid: dict[int, int] = {}
    counted = 0
    cases = []
    for day, (order, amount, age, tier, answer) in enumerate(requests):
        case = refund_case(
            f"H{day}",
            day=day,
            amount=amount,
            order=f"ord_{order}",
            order_age_days=age,
            tier=tier,
            charge=80_000,
            refunded=paid.get(order, 0),
            refunded_in_window=paid.get(order, 0),
            recent_refunds=counted,
        )
        if case.decision.asks_people and answer is not None:
            case = case.model_copy(update={"state": answer, "approval": answer})
        if case.moved_cents:
            paid[order] = paid.get(order, 0) + case.moved_cents
            counted += 1
        cases.append(case)
    return cases


@settings(max_examples=60, deadline=None)
@given(st.lists(request, min_size=1, max_size=12))
def test_the_deciding_policy_changes_nothing(requests: list) -> None:  # type: ignore[type-arg]
    cases = _history(requests)
    report = backtest_refunds(refund_policy(), cases)
    assert report.changed == 0
    assert report.money.moved_cents == report.money.would_move_cents


@settings(max_examples=60, deadline=None)
@given(st.lists(request, min_size=1, max_size=12))
def test_lower_approval_limits_move_the_same_money_through_more_people(requests: list) -> None:  # type: ignore[type-arg]
    """Only who must agree changes: nothing is denied that was not, every case that paid is
    assumed approved, so the same money moves and later cumulative sums stay as they were."""
    cases = _history(requests)
    stricter = refund_policy(auto_approve_limit_cents=1_000, single_approver_limit_cents=20_000)
    report = backtest_refunds(stricter, cases)
    assert report.money.moved_cents == report.money.would_move_cents
    assert not any(change.after == "deny" for change in report.changes)
    assert all(
        change.after.startswith("needs_approval")
        for change in report.changes
        if change.before == "auto_approve"
    )
