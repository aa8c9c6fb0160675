"""Billing activities: read a charge, and refund it exactly once.

Both are synchronous because the Stripe SDK blocks; the worker runs them in its thread pool.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import (
    REFUND_CURRENCY_MISMATCH,
    REFUND_EXCEEDS_REFUNDABLE,
    stripe_errors,
)
from activities.models import ChargeState, ChargeStateInput, IssueRefundInput, RefundResult
from integrations.stripe_billing import StripeBilling, StripeRefund


class BillingActivities:
    """Stripe-backed activities, bound to one `StripeBilling` client built from worker settings
    (the API key never passes through workflow inputs)."""

    def __init__(self, billing: StripeBilling) -> None:
        self._billing = billing

    @activity.defn(name="get_charge_state")
    def get_charge_state(self, input: ChargeStateInput) -> ChargeState:
        """The charge as Stripe sees it now: the bound for any refund, whatever a ticket asks."""
        with stripe_errors("get_charge"):
            charge = self._billing.get_charge(input.charge_id)
        return ChargeState(
            charge_id=charge.charge_id,
            amount_cents=charge.amount_cents,
            amount_refunded_cents=charge.amount_refunded_cents,
            currency=charge.currency,
            status=charge.status,
        )

    @activity.defn(name="issue_refund")
    def issue_refund(self, input: IssueRefundInput) -> RefundResult:
        """Refund the charge once per idempotency key, however many times this runs.

        First the system of record: a refund already carrying this key (a previous attempt
        that crashed after Stripe answered, or a retry past Stripe's 24 h key window) is
        returned as is. Only then is the charge checked and a refund created, with the key as
        Idempotency-Key too, so two racing attempts still collapse into one at Stripe.
        """
        with stripe_errors("find_refund"):
            existing = self._billing.find_refund(input.charge_id, input.idempotency_key)
        if existing is not None:
            activity.logger.info(
                "refund %s already exists for key %s", existing.refund_id, input.idempotency_key
            )
            return _result(existing, found_existing=True)

        with stripe_errors("get_charge"):
            charge = self._billing.get_charge(input.charge_id)
        if charge.currency.lower() != input.currency.lower():
            raise ApplicationError(
                f"refund in {input.currency} asked for charge {charge.charge_id} "
                f"in {charge.currency}",
                type=REFUND_CURRENCY_MISMATCH,
                non_retryable=True,
            )
        # Stripe itself refuses over-refunds, but not every Stripe-compatible server does (the
        # offline sandbox accepts them), and moving money is where we do not rely on others.
        if charge.refundable_cents < input.amount_cents:
            raise ApplicationError(
                f"refund of {input.amount_cents} exceeds the {charge.refundable_cents} "
                f"still refundable on charge {charge.charge_id}",
                {"refundable_cents": charge.refundable_cents},
                type=REFUND_EXCEEDS_REFUNDABLE,
                non_retryable=True,
            )

        with stripe_errors("create_refund"):
            refund = self._billing.create_refund(
                input.charge_id,
                input.amount_cents,
                input.idempotency_key,
                {
                    "workflow_id": input.workflow_id,
                    "ticket_id": input.ticket_id,
                    "approval_request_id": input.approval_request_id,
                },
            )
        activity.logger.info(
            "refund %s of %d %s created on %s",
            refund.refund_id,
            refund.amount_cents,
            refund.currency,
            refund.charge_id,
        )
        return _result(refund, found_existing=False)


def _result(refund: StripeRefund, *, found_existing: bool) -> RefundResult:
    return RefundResult(
        refund_id=refund.refund_id,
        charge_id=refund.charge_id,
        amount_cents=refund.amount_cents,
        currency=refund.currency,
        status=refund.status,
        found_existing=found_existing,
    )
