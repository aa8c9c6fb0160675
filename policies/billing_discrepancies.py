"""The billing-error rules: pure functions from a customer's billing history to what is wrong.

Each rule names the charge it finds wrong and the part of it that should not have been charged,
bounded by what is still refundable on the charge. A charge is wrong in one way at most, the
first that applies in this order: a duplicate, a charge after the subscription was cancelled, an
amount above its order's or invoice's total, a price that differs from the plan's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel

from policies.billing_history import BilledCharge, BilledInvoice, BillingHistory


class DiscrepancyKind(StrEnum):
    DUPLICATE_CHARGE = "duplicate_charge"
    CHARGED_AFTER_CANCELLATION = "charged_after_cancellation"
    ABOVE_ORDER_TOTAL = "above_order_total"
    ABOVE_INVOICE_TOTAL = "above_invoice_total"
    PRICE_DIFFERS_FROM_PLAN = "price_differs_from_plan"


class Discrepancy(BaseModel):
    kind: DiscrepancyKind
    charge_id: str
    charged_cents: int
    excess_cents: int
    currency: str
    explanation: str
    order_id: str | None = None
    invoice_id: str | None = None
    matches_charge_id: str | None = None


class DiscrepancyRules(BaseModel):
    """The policy's thresholds the rules read."""

    duplicate_window_minutes: int
    amount_tolerance_cents: int = 0


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency.upper()}"


def find_discrepancies(
    history: BillingHistory, order_totals: Mapping[str, int], rules: DiscrepancyRules
) -> list[Discrepancy]:
    """Every discrepancy in the history, oldest charge first. `order_totals` are the totals of
    the orders the charges name, read from the commerce system of record."""
    charges = sorted(
        (c for c in history.charges if c.status == "succeeded"),
        key=lambda c: (c.created, c.charge_id),
    )
    invoice_of = _invoices_by_charge(history.invoices)
    found: list[Discrepancy] = []
    for index, charge in enumerate(charges):
        if charge.refundable_cents == 0:
            continue
        finding = (
            _duplicate(charge, charges[:index], invoice_of, rules)
            or _after_cancellation(charge, invoice_of.get(charge.charge_id), history)
            or _above_order(charge, order_totals, rules)
            or _above_invoice(charge, invoice_of.get(charge.charge_id), rules)
            or _price_differs(charge, invoice_of.get(charge.charge_id), history, rules)
        )
        if finding is not None:
            found.append(finding)
    return found


def _invoices_by_charge(invoices: list[BilledInvoice]) -> dict[str, BilledInvoice]:
    return {invoice.charge_id: invoice for invoice in invoices if invoice.charge_id}


def _finding(
    kind: DiscrepancyKind, charge: BilledCharge, excess: int, explanation: str, **extra: str | None
) -> Discrepancy:
    return Discrepancy(
        kind=kind,
        charge_id=charge.charge_id,
        charged_cents=charge.amount_cents,
        excess_cents=min(excess, charge.refundable_cents),
        currency=charge.currency,
        explanation=explanation,
        order_id=charge.order_id,
        **extra,  # type: ignore[arg-type]
    )


def _duplicate(
    charge: BilledCharge,
    earlier: list[BilledCharge],
    invoice_of: Mapping[str, BilledInvoice],
    rules: DiscrepancyRules,
) -> Discrepancy | None:
    """Same amount, currency and payment method within the window, and not two different
    orders or invoices: the customer paid one thing twice."""
    window = timedelta(minutes=rules.duplicate_window_minutes)
    for first in reversed(earlier):
        if charge.created - first.created > window:
            return None
        if (
            first.amount_cents != charge.amount_cents
            or first.currency != charge.currency
            or first.payment_method is None
            or first.payment_method != charge.payment_method
        ):
            continue
        if _differ(first.order_id, charge.order_id) or _differ(
            _invoice_id(first, invoice_of), _invoice_id(charge, invoice_of)
        ):
            continue
        minutes = int((charge.created - first.created).total_seconds() // 60)
        return _finding(
            DiscrepancyKind.DUPLICATE_CHARGE,
            charge,
            charge.amount_cents,
            f"{_money(charge.amount_cents, charge.currency)} was charged twice on the same card "
            f"within {minutes} minutes ({first.charge_id} and {charge.charge_id}).",
            matches_charge_id=first.charge_id,
        )
    return None


def _differ(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a != b


def _invoice_id(charge: BilledCharge, invoice_of: Mapping[str, BilledInvoice]) -> str | None:
    invoice = invoice_of.get(charge.charge_id)
    return charge.invoice_id or (invoice.invoice_id if invoice else None)


def _after_cancellation(
    charge: BilledCharge, invoice: BilledInvoice | None, history: BillingHistory
) -> Discrepancy | None:
    if invoice is None or invoice.subscription_id is None:
        return None
    subscription = next(
        (s for s in history.subscriptions if s.subscription_id == invoice.subscription_id), None
    )
    if subscription is None or subscription.canceled_at is None:
        return None
    if charge.created <= subscription.canceled_at:
        return None
    return _finding(
        DiscrepancyKind.CHARGED_AFTER_CANCELLATION,
        charge,
        charge.amount_cents,
        f"{_money(charge.amount_cents, charge.currency)} was charged on "
        f"{charge.created:%Y-%m-%d} for subscription {subscription.subscription_id}, which was "
        f"cancelled on {subscription.canceled_at:%Y-%m-%d}.",
        invoice_id=invoice.invoice_id,
    )


def _above_order(
    charge: BilledCharge, order_totals: Mapping[str, int], rules: DiscrepancyRules
) -> Discrepancy | None:
    total = order_totals.get(charge.order_id) if charge.order_id else None
    if total is None or charge.amount_cents <= total + rules.amount_tolerance_cents:
        return None
    excess = charge.amount_cents - total
    return _finding(
        DiscrepancyKind.ABOVE_ORDER_TOTAL,
        charge,
        excess,
        f"{_money(charge.amount_cents, charge.currency)} was charged for order "
        f"{charge.order_id}, whose total is {_money(total, charge.currency)}: "
        f"{_money(excess, charge.currency)} too much.",
    )


def _above_invoice(
    charge: BilledCharge, invoice: BilledInvoice | None, rules: DiscrepancyRules
) -> Discrepancy | None:
    if invoice is None or charge.amount_cents <= invoice.total_cents + rules.amount_tolerance_cents:
        return None
    excess = charge.amount_cents - invoice.total_cents
    return _finding(
        DiscrepancyKind.ABOVE_INVOICE_TOTAL,
        charge,
        excess,
        f"{_money(charge.amount_cents, charge.currency)} was charged for invoice "
        f"{invoice.invoice_id}, whose total is {_money(invoice.total_cents, charge.currency)}: "
        f"{_money(excess, charge.currency)} too much.",
        invoice_id=invoice.invoice_id,
    )


def _price_differs(
    charge: BilledCharge,
    invoice: BilledInvoice | None,
    history: BillingHistory,
    rules: DiscrepancyRules,
) -> Discrepancy | None:
    """An invoice of a subscription above the plan's price (a lower one is no complaint)."""
    if invoice is None or invoice.subscription_id is None:
        return None
    subscription = next(
        (s for s in history.subscriptions if s.subscription_id == invoice.subscription_id), None
    )
    plan = subscription.plan_amount_cents if subscription else None
    if plan is None or invoice.total_cents <= plan + rules.amount_tolerance_cents:
        return None
    excess = invoice.total_cents - plan
    return _finding(
        DiscrepancyKind.PRICE_DIFFERS_FROM_PLAN,
        charge,
        excess,
        f"Invoice {invoice.invoice_id} billed {_money(invoice.total_cents, charge.currency)} "
        f"for a plan priced at {_money(plan, charge.currency)}: "
        f"{_money(excess, charge.currency)} too much.",
        invoice_id=invoice.invoice_id,
    )
