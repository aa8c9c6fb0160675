"""The billing-error rules as tables: each row a history, the order totals, and what the rules
must find (kind, charge, excess), or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.billing_discrepancies import DiscrepancyRules, find_discrepancies
from policies.billing_history import (
    BilledCharge,
    BilledInvoice,
    BilledSubscription,
    BillingHistory,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
RULES = DiscrepancyRules(duplicate_window_minutes=10, amount_tolerance_cents=0)


def charge(
    cid: str,
    amount: int,
    minutes: float = 0,
    *,
    pm: str | None = "card_A",
    order: str | None = None,
    refunded: int = 0,
    status: str = "succeeded",
) -> BilledCharge:
    return BilledCharge(
        charge_id=cid,
        amount_cents=amount,
        amount_refunded_cents=refunded,
        currency="usd",
        status=status,
        created=T0 + timedelta(minutes=minutes),
        payment_method=pm,
        order_id=order,
    )


def invoice(iid: str, total: int, charge_id: str, sub: str | None = None) -> BilledInvoice:
    return BilledInvoice(
        invoice_id=iid,
        status="paid",
        total_cents=total,
        amount_paid_cents=total,
        currency="usd",
        created=T0,
        charge_id=charge_id,
        subscription_id=sub,
    )


def sub(plan: int | None, canceled_minutes: float | None = None) -> BilledSubscription:
    return BilledSubscription(
        subscription_id="sub_1",
        status="canceled" if canceled_minutes is not None else "active",
        plan_amount_cents=plan,
        currency="usd",
        canceled_at=T0 + timedelta(minutes=canceled_minutes)
        if canceled_minutes is not None
        else None,
    )


def history(charges, invoices=(), subscriptions=()) -> BillingHistory:  # type: ignore[no-untyped-def]
    return BillingHistory(
        stripe_customer_id="cus_s",
        since=T0 - timedelta(days=90),
        charges=list(charges),
        invoices=list(invoices),
        subscriptions=list(subscriptions),
    )


CASES = [
    # Duplicates
    (
        "same amount, card, order, 5 min apart",
        history([charge("a", 2500), charge("b", 2500, 5)]),
        {},
        [("duplicate_charge", "b", 2500)],
    ),
    (
        "same order named on both",
        history([charge("a", 2500, order="o1"), charge("b", 2500, 3, order="o1")]),
        {"o1": 2500},
        [("duplicate_charge", "b", 2500)],
    ),
    (
        "two different orders",
        history([charge("a", 2500, order="o1"), charge("b", 2500, 3, order="o2")]),
        {"o1": 2500, "o2": 2500},
        [],
    ),
    (
        "two different invoices",
        history(
            [charge("a", 1500), charge("b", 1500, 2)],
            [invoice("i1", 1500, "a"), invoice("i2", 1500, "b")],
        ),
        {},
        [],
    ),
    ("outside the window", history([charge("a", 2500), charge("b", 2500, 11)]), {}, []),
    (
        "exactly at the window",
        history([charge("a", 2500), charge("b", 2500, 10)]),
        {},
        [("duplicate_charge", "b", 2500)],
    ),
    ("different card", history([charge("a", 2500), charge("b", 2500, 1, pm="card_B")]), {}, []),
    ("no card known", history([charge("a", 2500, pm=None), charge("b", 2500, 1, pm=None)]), {}, []),
    ("different amount", history([charge("a", 2500), charge("b", 2400, 1)]), {}, []),
    (
        "duplicate already refunded",
        history([charge("a", 2500), charge("b", 2500, 1, refunded=2500)]),
        {},
        [],
    ),
    (
        "duplicate partly refunded",
        history([charge("a", 2500), charge("b", 2500, 1, refunded=1000)]),
        {},
        [("duplicate_charge", "b", 1500)],
    ),
    (
        "failed charge is no duplicate",
        history([charge("a", 2500), charge("b", 2500, 1, status="failed")]),
        {},
        [],
    ),
    (
        "three in a row: two duplicates",
        history([charge("a", 900), charge("b", 900, 1), charge("c", 900, 2)]),
        {},
        [("duplicate_charge", "b", 900), ("duplicate_charge", "c", 900)],
    ),
    # Order totals
    (
        "above the order total",
        history([charge("a", 40000, order="o1")]),
        {"o1": 10000},
        [("above_order_total", "a", 30000)],
    ),
    ("equal to the order total", history([charge("a", 10000, order="o1")]), {"o1": 10000}, []),
    ("order unknown to commerce", history([charge("a", 40000, order="o9")]), {}, []),
    (
        "above total, partly refunded",
        history([charge("a", 40000, order="o1", refunded=35000)]),
        {"o1": 10000},
        [("above_order_total", "a", 5000)],
    ),
    # Invoices and subscriptions
    (
        "above the invoice total",
        history([charge("a", 2000)], [invoice("i1", 1500, "a")]),
        {},
        [("above_invoice_total", "a", 500)],
    ),
    (
        "charged after cancellation",
        history(
            [charge("a", 1500, 60)],
            [invoice("i1", 1500, "a", "sub_1")],
            [sub(1500, canceled_minutes=30)],
        ),
        {},
        [("charged_after_cancellation", "a", 1500)],
    ),
    (
        "charged before cancellation",
        history(
            [charge("a", 1500, 10)],
            [invoice("i1", 1500, "a", "sub_1")],
            [sub(1500, canceled_minutes=30)],
        ),
        {},
        [],
    ),
    (
        "price above the plan",
        history([charge("a", 1900)], [invoice("i1", 1900, "a", "sub_1")], [sub(1500)]),
        {},
        [("price_differs_from_plan", "a", 400)],
    ),
    (
        "price below the plan is no complaint",
        history([charge("a", 1200)], [invoice("i1", 1200, "a", "sub_1")], [sub(1500)]),
        {},
        [],
    ),
    (
        "plan price unknown",
        history([charge("a", 1900)], [invoice("i1", 1900, "a", "sub_1")], [sub(None)]),
        {},
        [],
    ),
    ("nothing at all", history([]), {}, []),
]


@pytest.mark.parametrize(
    ("name", "billing", "totals", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_rules(name: str, billing: BillingHistory, totals: dict[str, int], expected: list) -> None:  # type: ignore[type-arg]
    found = find_discrepancies(billing, totals, RULES)
    assert [(f.kind.value, f.charge_id, f.excess_cents) for f in found] == expected


def test_tolerance_absorbs_rounding() -> None:
    billing = history([charge("a", 10001, order="o1")])
    rules = RULES.model_copy(update={"amount_tolerance_cents": 1})
    assert find_discrepancies(billing, {"o1": 10000}, rules) == []
    assert len(find_discrepancies(billing, {"o1": 10000}, RULES)) == 1


def test_explanations_name_amounts_and_charges() -> None:
    [finding] = find_discrepancies(history([charge("a", 2500), charge("b", 2500, 4)]), {}, RULES)
    assert "25.00 USD" in finding.explanation and "a" in finding.explanation
    assert finding.matches_charge_id == "a"
