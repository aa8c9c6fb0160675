"""Issue 9: a billing adjustment counts toward the same cumulative limits as refunds.

A billing dispute may pay money back without any refund on the order's charge: a credit on
the customer's balance, or a refund of a duplicate charge. Each adjustment is one CRM row, and
a refund case on the same order reads them through its money hold, so splitting money between
a dispute and a refund ticket cannot avoid an approval. At the level of the CRM store and the
policy, with facts built by the refund workflow's own `refund_facts`.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import ActivityEnvironment

from activities.crm import CrmActivities
from activities.models import (
    AdjustmentRecord,
    CaseOutcomeRecord,
    ChargeState,
    CustomerContext,
    HoldOrderInput,
)
from integrations.commerce import SqlCommerce
from integrations.crm_store import CrmStore
from policies.loader import load_refund_policy
from policies.refund_policy import Verdict, evaluate_refund
from tests.crm import conftest as crm_fixtures
from tests.crm.conftest import T0, FakeClock
from tests.crm.factories import MAYA, add_customer_and_order, open_ticket
from workflows.case.money_hold import MoneyHold
from workflows.refund.contract import RefundRequest
from workflows.refund.facts import refund_facts

POLICY = load_refund_policy().policy
AUTO_LIMIT = POLICY.auto_approve_limit_cents  # standard tier
WINDOW_START = T0 - timedelta(days=30)

database_url = crm_fixtures.database_url
postgres_database = crm_fixtures.postgres_database
store = crm_fixtures.store
clock = crm_fixtures.clock


def _dispute_closed(store: CrmStore, ticket_id: str, *adjustments: AdjustmentRecord) -> None:
    open_ticket(store, ticket_id)
    record = CaseOutcomeRecord(
        ticket_id=ticket_id,
        workflow_id=f"ticket-{ticket_id}",
        customer_id=MAYA.id,
        order_id=None,  # a billing dispute names orders per finding, not per case
        status="resolved",
        resolution="Adjusted",
        adjustments=list(adjustments),
    )
    store.record_case_outcome(record)
    store.record_case_outcome(record)  # an activity retry records nothing twice


def _credit(object_id: str, cents: int, charge_id: str = "ch_ord_1") -> AdjustmentRecord:
    return AdjustmentRecord(
        method="credit",
        object_id=object_id,
        charge_id=charge_id,
        order_id="ord_1",
        amount_cents=cents,
        currency="usd",
    )


def _refund(object_id: str, cents: int, charge_id: str) -> AdjustmentRecord:
    return _credit(object_id, cents, charge_id).model_copy(update={"method": "refund"})


def _refund_case_verdict(
    store: CrmStore, clock: FakeClock, *, requested: int, stripe_refunded_on_charge: int = 0
) -> tuple[Verdict, int]:
    """A refund case on ord_1 as the workflow runs it: charge read, hold taken, policy."""
    activities = CrmActivities(store, clock=clock)
    open_ticket(store, "T-refund")
    charge = ChargeState(
        charge_id="ch_ord_1",
        amount_cents=20_000,
        amount_refunded_cents=stripe_refunded_on_charge,
        currency="usd",
        status="succeeded",
        refunded_since_cents=stripe_refunded_on_charge,
        refunds_since=WINDOW_START,
    )
    hold = MoneyHold("refund", "T-refund")
    hold.current = ActivityEnvironment().run(
        activities.hold_order_for_money,
        HoldOrderInput(
            order_id="ord_1",
            workflow_id="ticket-T-refund",
            ticket_id="T-refund",
            customer_id=MAYA.id,
            process="refund",
            amount_cents=requested,
            stale_after_hours=48,
            adjusted_since=charge.refunds_since,
            charge_id=charge.charge_id,
        ),
    )
    request = RefundRequest(
        ticket_id="T-refund",
        customer_id=MAYA.id,
        order_id="ord_1",
        subject="Refund",
        body="Please refund part of my order.",
        requested_amount_cents=requested,
    )
    customer = CustomerContext(
        customer_id=MAYA.id,
        name=MAYA.name,
        email=MAYA.email,
        tier="standard",
        recent_refund_count=0,
    )
    order = SqlCommerce(store).get_order("ord_1")
    assert order is not None
    facts = refund_facts(request, customer, order, charge, hold, T0)
    return evaluate_refund(POLICY, facts).verdict, hold.adjusted_elsewhere_cents


def test_a_balance_credit_counts_toward_a_later_refunds_limit(
    store: CrmStore, clock: FakeClock
) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=5))
    alone, _ = _refund_case_verdict(store, clock, requested=AUTO_LIMIT - 1_000)
    assert alone is Verdict.AUTO_APPROVE

    clock.now = T0 - timedelta(days=2)
    _dispute_closed(store, "T-dispute", _credit("cbtxn_1", 2_000))
    clock.now = T0
    verdict, counted = _refund_case_verdict(store, clock, requested=AUTO_LIMIT - 1_000)
    assert counted == 2_000
    assert verdict is Verdict.NEEDS_APPROVAL


def test_a_refunded_duplicate_charge_counts_and_the_orders_own_charge_is_not_counted_twice(
    store: CrmStore, clock: FakeClock
) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=5))
    clock.now = T0 - timedelta(days=1)
    _dispute_closed(
        store,
        "T-dispute",
        _refund("re_dup", 1_500, charge_id="ch_duplicate"),  # the duplicate: not on ch_ord_1
        _refund("re_over", 700, charge_id="ch_ord_1"),  # Stripe shows this one on the charge
    )
    clock.now = T0
    verdict, counted = _refund_case_verdict(
        store, clock, requested=AUTO_LIMIT - 1_000, stripe_refunded_on_charge=700
    )
    assert counted == 1_500
    assert verdict is Verdict.NEEDS_APPROVAL
    assert {r.refund_id for r in store.list_refunds("T-dispute")} == {"re_dup", "re_over"}


def test_adjustments_before_the_window_do_not_count(store: CrmStore, clock: FakeClock) -> None:
    add_customer_and_order(store, placed_at=T0 - timedelta(days=5))
    clock.now = WINDOW_START - timedelta(seconds=1)
    _dispute_closed(store, "T-old", _credit("cbtxn_old", 4_000))
    clock.now = T0
    verdict, counted = _refund_case_verdict(store, clock, requested=AUTO_LIMIT - 1_000)
    assert counted == 0
    assert verdict is Verdict.AUTO_APPROVE
