"""Billing-history activity: what Stripe holds for one customer over a look-back window.

Synchronous because the Stripe SDK blocks. Stripe failures leave through the one Stripe error
mapping (activities/billing_errors.py), so retries and `Retry-After` work as for refunds.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from temporalio import activity

from activities.billing_errors import stripe_errors
from integrations.stripe_billing_history import StripeBillingHistory
from policies.billing_history import BillingHistory


class BillingHistoryInput(BaseModel):
    """The customer is found in Stripe by the email the CRM holds for them."""

    customer_email: str = Field(min_length=3, max_length=320)
    since: datetime


class BillingHistoryActivities:
    def __init__(self, history: StripeBillingHistory) -> None:
        self._history = history

    @activity.defn(name="load_billing_history")
    def load_billing_history(self, input: BillingHistoryInput) -> BillingHistory:
        with stripe_errors("find_customer"):
            customer_id = self._history.find_customer(input.customer_email)
        if customer_id is None:
            activity.logger.info("no Stripe customer has the CRM's email")
            return BillingHistory(stripe_customer_id=None, since=input.since)
        with stripe_errors("billing_history"):
            history = self._history.history(customer_id, input.since)
        activity.logger.info(
            "billing history of %s: %d charges, %d invoices, %d subscriptions",
            customer_id,
            len(history.charges),
            len(history.invoices),
            len(history.subscriptions),
        )
        return history
