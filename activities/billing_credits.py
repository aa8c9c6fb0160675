"""Billing-credit activity: credit a customer's Stripe balance exactly once.

Exactly once rests on the same three things as refunds (activities/billing.py): our key in
Idempotency-Key and in the credit's metadata, with the customer's credits read for it first; an
HTTP timeout well below the attempt; and a read after creating that exactly one credit carries
the key. Balance transactions are immutable, so a credit carrying the key is a credit given.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import CREDIT_NOT_LISTED, DUPLICATE_CREDIT_DETECTED, stripe_errors
from integrations.stripe_credits import StripeCredit, StripeCredits


class IssueCreditInput(BaseModel):
    idempotency_key: str
    stripe_customer_id: str
    charge_id: str
    amount_cents: int = Field(gt=0)
    currency: str
    description: str = Field(max_length=300)
    ticket_id: str
    workflow_id: str
    approval_request_id: str | None = None


class CreditResult(BaseModel):
    credit_id: str
    customer_id: str
    amount_cents: int
    currency: str
    found_existing: bool = False


class BillingCreditActivities:
    def __init__(self, credits: StripeCredits) -> None:
        self._credits = credits

    @activity.defn(name="issue_credit")
    def issue_credit(self, input: IssueCreditInput) -> CreditResult:
        """Credit the customer once per idempotency key, however many times this runs."""
        key, customer = input.idempotency_key, input.stripe_customer_id
        with stripe_errors("list_balance_credits"):
            ours = self._credits.balance_credits_with_key(customer, key)
        if len(ours) >= 2:
            raise _duplicate(ours, key)
        if ours:
            activity.logger.info("credit %s already exists for key %s", ours[0].credit_id, key)
            return _result(ours[0], found_existing=True)
        metadata = {
            "workflow_id": input.workflow_id,
            "ticket_id": input.ticket_id,
            "charge_id": input.charge_id,
        }
        if input.approval_request_id:
            metadata["approval_request_id"] = input.approval_request_id
        with stripe_errors("credit_balance"):
            credit = self._credits.credit_balance(
                customer, input.amount_cents, input.currency, key, input.description, metadata
            )
        with stripe_errors("list_balance_credits"):
            after = self._credits.balance_credits_with_key(customer, key)
        if any(other.credit_id != credit.credit_id for other in after):
            raise _duplicate([credit, *after], key)
        if not after:
            # Retryable: the next attempt's pre-check finds it or creates it with the same key.
            raise ApplicationError(
                f"credit {credit.credit_id} was created but the customer does not list it yet",
                type=CREDIT_NOT_LISTED,
            )
        return _result(credit, found_existing=False)


def _duplicate(credits: list[StripeCredit], key: str) -> ApplicationError:
    ids = sorted({credit.credit_id for credit in credits})
    # Error level: money may have moved twice, and only a person can reverse it.
    activity.logger.error("DUPLICATE CREDIT: %d credits carry key %s (%s)", len(ids), key, ids)
    return ApplicationError(
        f"{len(ids)} credits carry one idempotency key: {', '.join(ids)}; "
        "the server did not honour Idempotency-Key",
        {"credit_ids": ids},
        type=DUPLICATE_CREDIT_DETECTED,
        non_retryable=True,
    )


def _result(credit: StripeCredit, *, found_existing: bool) -> CreditResult:
    return CreditResult(
        credit_id=credit.credit_id,
        customer_id=credit.customer_id,
        amount_cents=credit.amount_cents,
        currency=credit.currency,
        found_existing=found_existing,
    )
