"""The facts the billing-dispute policy reads: a customer's billing history, as the Stripe
adapter (integrations/stripe_billing_history.py) fills it.

Plain models with no SDK import, so the discrepancy rules (policies/billing_discrepancies.py)
evaluate them, the activity contract re-exports them and workflow code reads them inside the
sandbox; the adapter above depends on them, never the reverse.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BilledCharge(BaseModel):
    """One charge. `payment_method` is the card's fingerprint where Stripe gives one (the same
    card saved twice has two payment method ids but one fingerprint), else the method's id."""

    charge_id: str
    amount_cents: int
    amount_refunded_cents: int
    currency: str
    status: str
    created: datetime
    payment_method: str | None = None
    order_id: str | None = None
    invoice_id: str | None = None
    description: str | None = None

    @property
    def refundable_cents(self) -> int:
        return max(self.amount_cents - self.amount_refunded_cents, 0)


class BilledInvoice(BaseModel):
    invoice_id: str
    status: str
    total_cents: int
    amount_paid_cents: int
    currency: str
    created: datetime
    charge_id: str | None = None
    subscription_id: str | None = None


class BilledSubscription(BaseModel):
    """A subscription and what its plan costs per period (unit amount times quantity)."""

    subscription_id: str
    status: str
    plan_amount_cents: int | None = None
    currency: str | None = None
    plan_name: str | None = None
    canceled_at: datetime | None = None


class BilledCredit(BaseModel):
    """A credit on the customer's balance; `ours` when supportflow made it (it carries our
    idempotency key), so the limits count it with refunds."""

    credit_id: str
    amount_cents: int
    currency: str
    created: datetime
    ours: bool = False


class BillingHistory(BaseModel):
    """What Stripe holds for one customer from `since` on; empty lists when Stripe does not
    know the customer (`stripe_customer_id` None)."""

    stripe_customer_id: str | None
    since: datetime
    charges: list[BilledCharge] = []
    invoices: list[BilledInvoice] = []
    subscriptions: list[BilledSubscription] = []
    credits: list[BilledCredit] = []

    def credited_by_us_since(self, since: datetime) -> int:
        return sum(c.amount_cents for c in self.credits if c.ours and c.created >= since)
