"""The billing history a dispute's findings were computed from, as recorded with its decision,
and the same discrepancy rules run on it again under other thresholds (a policy backtest).

Pure: `billing_record` is what the workflow puts on the decision's audit note (no new command),
`refind` is what the backtest runs; both use `find_discrepancies` and `bound_findings`, the
functions the workflow itself decides with, so findings are computed in one place only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from policies.billing_discrepancies import Discrepancy, DiscrepancyRules, find_discrepancies
from policies.billing_history import BilledCharge, BilledInvoice, BilledSubscription, BillingHistory

# Above this many charges the history is not recorded (the audit note stays small); such a
# case is backtested on its recorded findings, and listed as such.
MAX_RECORDED_CHARGES = 500


class RecordedBilling(BaseModel):
    """What the rules read when the case decided: charges, invoices and subscriptions from
    `since` on (descriptions left out), the order totals, the thresholds in force, and what
    each wrong charge still allowed then (its amount less refunds, read from Stripe)."""

    since: datetime
    charges: list[BilledCharge] = []
    invoices: list[BilledInvoice] = []
    subscriptions: list[BilledSubscription] = []
    order_totals: dict[str, int] = {}
    duplicate_window_minutes: int = Field(ge=1)
    amount_tolerance_cents: int = Field(0, ge=0)
    look_back_days: int = Field(ge=1)
    charge_left_cents: dict[str, int] = {}


def billing_record(
    history: BillingHistory,
    order_totals: Mapping[str, int],
    rules: DiscrepancyRules,
    look_back_days: int,
) -> RecordedBilling | None:
    """The history as a decision records it; None when it is too long to record."""
    if len(history.charges) > MAX_RECORDED_CHARGES:
        return None
    return RecordedBilling(
        since=history.since,
        charges=[c.model_copy(update={"description": None}) for c in history.charges],
        invoices=list(history.invoices),
        subscriptions=list(history.subscriptions),
        order_totals=dict(order_totals),
        duplicate_window_minutes=rules.duplicate_window_minutes,
        amount_tolerance_cents=rules.amount_tolerance_cents,
        look_back_days=look_back_days,
    )


def bound_findings(findings: Sequence[Discrepancy], left: Mapping[str, int]) -> list[Discrepancy]:
    """Each finding bounded by what its charge still allows (`left`, per charge id; a charge
    not in it keeps the bound the history gave); fully refunded ones drop out."""
    kept = []
    for finding in findings:
        allowed = left.get(finding.charge_id)
        if allowed is None:
            kept.append(finding)
        elif allowed > 0:
            kept.append(
                finding.model_copy(update={"excess_cents": min(finding.excess_cents, allowed)})
            )
    return kept


def refind(
    billing: RecordedBilling, rules: DiscrepancyRules, look_back_days: int, now: datetime
) -> list[Discrepancy]:
    """The findings under other thresholds, on the recorded history. A shorter look-back drops
    the older charges and invoices; a longer one cannot add what was never read."""
    since = max(billing.since, now - timedelta(days=look_back_days))
    # Built from models already validated when the facts were read.
    history = BillingHistory.model_construct(
        stripe_customer_id=None,
        since=since,
        charges=[c for c in billing.charges if c.created >= since],
        invoices=[i for i in billing.invoices if i.created >= since],
        subscriptions=billing.subscriptions,
        credits=[],
    )
    found = find_discrepancies(history, billing.order_totals, rules)
    return bound_findings(found, billing.charge_left_cents)
