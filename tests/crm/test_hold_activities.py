"""The money-hold activities in an activity context: what they write and what they answer."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import ActivityEnvironment

from activities.crm import CrmActivities
from activities.models import HoldOrderInput, ReleaseOrderHoldInput
from integrations.crm_store import CrmStore
from integrations.crm_store.tables import OrderMoneyHold
from tests.crm.conftest import FakeClock, count_rows


def _hold(ticket_id: str, order_id: str = "ord_1", amount_cents: int = 5_000) -> HoldOrderInput:
    return HoldOrderInput(
        order_id=order_id,
        workflow_id=f"ticket-{ticket_id}",
        ticket_id=ticket_id,
        customer_id="cus_1",
        process="refund",
        amount_cents=amount_cents,
        stale_after_hours=48,
    )


def test_second_case_on_an_order_is_told_who_holds_it(store: CrmStore, clock: FakeClock) -> None:
    activities = CrmActivities(store, clock=clock)
    env = ActivityEnvironment()

    first = env.run(activities.hold_order_for_money, _hold("T-1"))
    retried = env.run(activities.hold_order_for_money, _hold("T-1"))
    second = env.run(activities.hold_order_for_money, _hold("T-2"))

    assert (first.held, retried.held) == (True, True)
    assert (second.held, second.holder_ticket_id, second.holder_workflow_id) == (
        False,
        "T-1",
        "ticket-T-1",
    )
    assert second.holder_process == "refund"
    assert count_rows(store, OrderMoneyHold) == 1


def test_hold_reports_the_customers_other_open_money_cases(
    store: CrmStore, clock: FakeClock
) -> None:
    activities = CrmActivities(store, clock=clock)
    env = ActivityEnvironment()
    env.run(activities.hold_order_for_money, _hold("T-1", "ord_1", 4_000))
    env.run(activities.hold_order_for_money, _hold("T-2", "ord_2", 2_000))

    third = env.run(activities.hold_order_for_money, _hold("T-3", "ord_3", 1_000))

    assert (third.held, third.in_flight_refund_count, third.in_flight_cents) == (True, 2, 6_000)


def test_release_frees_the_order_and_is_safe_to_repeat(store: CrmStore, clock: FakeClock) -> None:
    activities = CrmActivities(store, clock=clock)
    env = ActivityEnvironment()
    env.run(activities.hold_order_for_money, _hold("T-1"))

    release = ReleaseOrderHoldInput(order_id="ord_1", workflow_id="ticket-T-1")
    env.run(activities.release_order_hold, release)
    env.run(activities.release_order_hold, release)
    # Another case's release never frees a hold it does not own.
    env.run(activities.hold_order_for_money, _hold("T-2"))
    env.run(activities.release_order_hold, release)

    assert env.run(activities.hold_order_for_money, _hold("T-3")).holder_ticket_id == "T-2"


def test_a_stale_hold_is_taken_over_after_the_window(store: CrmStore, clock: FakeClock) -> None:
    activities = CrmActivities(store, clock=clock)
    env = ActivityEnvironment()
    env.run(activities.hold_order_for_money, _hold("T-dead"))

    clock.advance(timedelta(hours=48))
    assert not env.run(activities.hold_order_for_money, _hold("T-2")).held
    clock.advance(timedelta(minutes=1))
    taken = env.run(activities.hold_order_for_money, _hold("T-2"))

    assert (taken.held, taken.taken_over_from_workflow_id) == (True, "ticket-T-dead")
