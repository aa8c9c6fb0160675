"""One money case per order at a time: the hold, its renewal, takeover and release."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from integrations.crm_store import CrmStore
from integrations.crm_store.holds import HoldResult
from integrations.crm_store.tables import OrderMoneyHold
from tests.crm.conftest import T0, count_rows
from tests.crm.factories import open_ticket, outcome

STALE = timedelta(hours=48)


def hold(
    store: CrmStore,
    ticket_id: str,
    *,
    order_id: str = "ord_1",
    customer_id: str = "cus_1",
    amount_cents: int = 5_000,
    at_hours: float = 0,
) -> HoldResult:
    return store.hold_order(
        order_id=order_id,
        workflow_id=f"ticket-{ticket_id}",
        ticket_id=ticket_id,
        customer_id=customer_id,
        process="refund",
        amount_cents=amount_cents,
        now=T0 + timedelta(hours=at_hours),
        stale_after=STALE,
    )


def test_a_second_case_on_the_order_is_refused_and_told_who_holds_it(store: CrmStore) -> None:
    first = hold(store, "T-1")
    second = hold(store, "T-2", amount_cents=7_000, at_hours=1)

    assert (first.held, first.holder_ticket_id) == (True, "T-1")
    assert (second.held, second.holder_ticket_id, second.holder_workflow_id) == (
        False,
        "T-1",
        "ticket-T-1",
    )
    assert second.amount_cents == 5_000  # the holder's amount, untouched by the refused case
    assert count_rows(store, OrderMoneyHold) == 1


def test_other_orders_are_independent(store: CrmStore) -> None:
    assert hold(store, "T-1").held
    assert hold(store, "T-2", order_id="ord_2").held


def test_the_holder_re_acquires_idempotently_with_its_new_amount(store: CrmStore) -> None:
    hold(store, "T-1", amount_cents=5_000)
    again = hold(store, "T-1", amount_cents=3_000, at_hours=2)

    assert (again.held, again.amount_cents, again.taken_over_from) == (True, 3_000, None)
    assert again.acquired_at == T0 + timedelta(hours=2)  # renewed: the case is alive
    assert store.money_in_flight_for_customer("cus_1", "ticket-other") == (1, 3_000)


def test_a_stale_hold_is_taken_over(store: CrmStore) -> None:
    hold(store, "T-1")
    just_fresh = hold(store, "T-2", at_hours=48)  # exactly stale_after old: still held
    taken = hold(store, "T-2", at_hours=48.5)

    assert not just_fresh.held
    assert (taken.held, taken.holder_ticket_id, taken.taken_over_from) == (
        True,
        "T-2",
        "ticket-T-1",
    )
    # The case that lost its hold finds out when it re-asserts it, and cannot free the order.
    assert not hold(store, "T-1", at_hours=49).held
    assert not store.release_order_hold("ord_1", "ticket-T-1")
    assert hold(store, "T-3", at_hours=49).holder_ticket_id == "T-2"


def test_release_is_idempotent_and_only_for_the_holder(store: CrmStore) -> None:
    hold(store, "T-1")

    assert not store.release_order_hold("ord_1", "ticket-T-2")
    assert hold(store, "T-2").held is False
    assert store.release_order_hold("ord_1", "ticket-T-1")
    assert not store.release_order_hold("ord_1", "ticket-T-1")
    assert not store.release_order_hold("ord_unknown", "ticket-T-1")
    assert hold(store, "T-2").held


def test_money_in_flight_counts_the_customers_other_open_cases(store: CrmStore) -> None:
    hold(store, "T-1", order_id="ord_1", amount_cents=5_000)
    hold(store, "T-2", order_id="ord_2", amount_cents=2_500)
    hold(store, "T-3", order_id="ord_3", customer_id="cus_other", amount_cents=9_000)

    assert store.money_in_flight_for_customer("cus_1", "ticket-T-9") == (2, 7_500)
    assert store.money_in_flight_for_customer("cus_1", "ticket-T-1") == (1, 2_500)
    assert store.money_in_flight_for_customer("cus_nobody", "ticket-T-1") == (0, 0)

    store.release_order_hold("ord_2", "ticket-T-2")
    assert store.money_in_flight_for_customer("cus_1", "ticket-T-9") == (1, 5_000)


def test_a_refund_recorded_in_the_crm_is_not_counted_twice(store: CrmStore) -> None:
    # Between its outcome (refund row counted as a recent refund) and its release.
    open_ticket(store, "T-1")
    hold(store, "T-1", amount_cents=3_400)
    store.record_case_outcome(outcome("T-1", at=T0, refund_id="re_1"))

    assert store.money_in_flight_for_customer("cus_1", "ticket-T-2") == (0, 0)


def _race(database_url: str, order_id: str, at_hours: float, contenders: int) -> list[HoldResult]:
    # One store per contender, as separate worker processes would have: each has its own
    # connection, so the database (not a client-side pool) decides who wins.
    stores = [CrmStore(database_url) for _ in range(contenders)]
    start = threading.Barrier(contenders)

    def run(i: int) -> HoldResult:
        start.wait()
        return hold(stores[i], f"T-{i}", order_id=order_id, at_hours=at_hours)

    try:
        with ThreadPoolExecutor(contenders) as pool:
            return list(pool.map(run, range(contenders)))
    finally:
        for s in stores:
            s.dispose()


def test_racing_cases_exactly_one_holds_the_order(store: CrmStore, database_url: str) -> None:
    for round_ in range(5):
        order_id = f"ord_race_{round_}"
        results = _race(database_url, order_id, at_hours=1, contenders=6)
        winners = [r for r in results if r.held]
        assert len(winners) == 1
        assert {r.holder_ticket_id for r in results} == {winners[0].holder_ticket_id}


def test_racing_takeovers_of_a_stale_hold_exactly_one_wins(
    store: CrmStore, database_url: str
) -> None:
    for round_ in range(5):
        order_id = f"ord_stale_{round_}"
        hold(store, "T-dead", order_id=order_id)
        results = _race(database_url, order_id, at_hours=72, contenders=6)
        winners = [r for r in results if r.held]
        assert len(winners) == 1
        assert winners[0].taken_over_from == "ticket-T-dead"
        assert {r.holder_ticket_id for r in results} == {winners[0].holder_ticket_id}
