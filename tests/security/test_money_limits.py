"""Issue 7 #5: splitting a refund, or opening tickets at once, must not avoid the limits.

At the level of the policy and the CRM store, with facts built the way the refund workflow
builds them: the hold first, then the policy over Stripe's refunds on the order in the window,
the money in flight and the customer's open cases.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import ActivityEnvironment

from activities.crm import CrmActivities
from activities.models import HoldOrderInput, OrderHoldResult, ReleaseOrderHoldInput
from integrations.crm_store import CrmStore
from policies.loader import load_refund_policy
from policies.refund_policy import RefundDecision, RefundFacts, Verdict, evaluate_refund
from tests.crm import conftest as crm_fixtures
from tests.crm.conftest import T0, FakeClock
from tests.crm.factories import open_ticket, outcome

POLICY = load_refund_policy().policy

# The CRM store fixtures of tests/crm, so every test here runs on SQLite and on PostgreSQL.
database_url = crm_fixtures.database_url
postgres_database = crm_fixtures.postgres_database
store = crm_fixtures.store
clock = crm_fixtures.clock


def _hold(activities: CrmActivities, ticket_id: str, order_id: str) -> OrderHoldResult:
    return ActivityEnvironment().run(
        activities.hold_order_for_money,
        HoldOrderInput(
            order_id=order_id,
            workflow_id=f"ticket-{ticket_id}",
            ticket_id=ticket_id,
            customer_id="cus_1",
            process="refund",
            amount_cents=5_000,
            stale_after_hours=48,
        ),
    )


def _decide(
    *, refunded_on_order: int, hold: OrderHoldResult, recent: int = 0, charge: int = 15_000
) -> RefundDecision:
    return evaluate_refund(
        POLICY,
        RefundFacts(
            customer_tier="standard",
            order_placed_at=T0 - timedelta(days=2),
            charge_amount_cents=charge,
            already_refunded_cents=refunded_on_order,
            requested_amount_cents=5_000,
            recent_refund_count=recent,
            now=T0,
            refunded_on_order_in_window_cents=refunded_on_order,
            in_flight_refund_count=hold.in_flight_refund_count,
        ),
    )


def test_three_split_refunds_on_one_order_do_not_all_auto_approve(
    store: CrmStore, clock: FakeClock
) -> None:
    activities = CrmActivities(store, clock=clock)
    refunded = 0  # what Stripe shows as refunded on the charge
    outcomes = []
    for ticket_id in ("T-1", "T-2", "T-3"):
        hold = _hold(activities, ticket_id, "ord_1")
        assert hold.held
        decision = _decide(refunded_on_order=refunded, hold=hold)
        outcomes.append(decision.verdict)
        refunded += decision.amount_cents  # paid, after approval where one was needed
        ActivityEnvironment().run(
            activities.release_order_hold,
            ReleaseOrderHoldInput(order_id="ord_1", workflow_id=f"ticket-{ticket_id}"),
        )

    assert outcomes == [Verdict.AUTO_APPROVE, Verdict.NEEDS_APPROVAL, Verdict.NEEDS_APPROVAL]
    assert (
        evaluate_refund(
            POLICY,
            RefundFacts(
                customer_tier="standard",
                order_placed_at=T0 - timedelta(days=2),
                charge_amount_cents=15_000,
                already_refunded_cents=0,
                requested_amount_cents=15_000,
                recent_refund_count=0,
                now=T0,
            ),
        ).verdict
        is Verdict.NEEDS_APPROVAL
    )  # what one 150.00 request gets


def test_a_second_money_case_on_an_order_is_refused_while_the_first_is_open(
    store: CrmStore, clock: FakeClock
) -> None:
    activities = CrmActivities(store, clock=clock)

    first = _hold(activities, "T-1", "ord_1")
    second = _hold(activities, "T-2", "ord_1")

    assert first.held
    assert (second.held, second.holder_ticket_id) == (False, "T-1")


def test_concurrent_tickets_count_against_the_customers_refund_limit(
    store: CrmStore, clock: FakeClock
) -> None:
    # Two refunds closed in the count window, one case still open on another order: the
    # customer's fourth refund must be refused (limit 3), as it is once the open one closes.
    for ticket_id in ("T-a", "T-b"):
        open_ticket(store, ticket_id)
        store.record_case_outcome(outcome(ticket_id, at=T0, refund_id=f"re_{ticket_id}"))
    recent = len(store.recent_refunds("cus_1", T0 - timedelta(days=90)))
    activities = CrmActivities(store, clock=clock)
    assert _hold(activities, "T-open", "ord_2").held

    hold = _hold(activities, "T-new", "ord_3")
    decision = _decide(refunded_on_order=0, hold=hold, recent=recent)

    assert (recent, hold.in_flight_refund_count) == (2, 1)
    assert (decision.verdict, decision.rule) == (Verdict.DENY, "too_many_refunds")
    assert "1 still open" in decision.reason
