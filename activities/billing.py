"""Billing activities: read a charge, and refund it exactly once.

Both are synchronous because the Stripe SDK blocks; Temporal runs them in the activity thread pool.

Exactly once rests on three things, none of which trusts the server alone (GUIDE §3):
- the key (minted by the workflow from its id and step) goes into Idempotency-Key and into the
  refund's metadata, and the system of record is read for it before anything is created;
- every Stripe call's HTTP timeout is well below the activity's start-to-close, and a POST is
  only started while the attempt has the time to finish it, so no attempt is still paying when
  Temporal starts the next one;
- after creating, the charge's refunds are listed again and exactly one may carry the key.
"""

from __future__ import annotations

import time

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import (
    ATTEMPT_TOO_SHORT,
    DUPLICATE_REFUND_DETECTED,
    REFUND_CURRENCY_MISMATCH,
    REFUND_EXCEEDS_REFUNDABLE,
    REFUND_FAILED,
    REFUND_NOT_LISTED,
    stripe_errors,
)
from activities.models import ChargeState, ChargeStateInput, IssueRefundInput, RefundResult
from integrations.stripe_billing import KEY_GENERATION_METADATA_KEY, StripeBilling, StripeRefund

# Slack between the HTTP timeout and the end of the attempt, for the attempt to report back.
_DEADLINE_MARGIN_SECONDS = 1.0


class BillingActivities:
    """Stripe-backed activities, bound to one `StripeBilling` client built from the process settings
    (the API key never passes through workflow inputs)."""

    def __init__(self, billing: StripeBilling) -> None:
        self._billing = billing

    @activity.defn(name="get_charge_state")
    def get_charge_state(self, input: ChargeStateInput) -> ChargeState:
        """The charge as Stripe sees it now: the bound for any refund, whatever a ticket asks.

        With `refunds_since`, also the live refunds created on it since then, so limits can
        count what was already paid within their window from Stripe itself."""
        with stripe_errors("get_charge"):
            charge = self._billing.get_charge(input.charge_id)
        refunded_since: int | None = None
        if input.refunds_since is not None:
            with stripe_errors("list_refunds"):
                refunded_since = self._billing.refunded_since(input.charge_id, input.refunds_since)
        return ChargeState(
            charge_id=charge.charge_id,
            amount_cents=charge.amount_cents,
            amount_refunded_cents=charge.amount_refunded_cents,
            currency=charge.currency,
            status=charge.status,
            refunded_since_cents=refunded_since,
            refunds_since=input.refunds_since,
        )

    @activity.defn(name="issue_refund")
    def issue_refund(self, input: IssueRefundInput) -> RefundResult:
        """Refund the charge once per idempotency key, however many times this runs.

        First the system of record: one live refund already carrying this key (a previous
        attempt that crashed after Stripe answered, or a retry past Stripe's 24 h key window)
        is returned as is; a dead one (failed, canceled) fails the step for good, because the
        same key can only ever find it again. Only then is the charge checked and a refund
        created, and the charge's refunds are read once more to prove that one refund, and only
        one, carries the key.
        """
        started = time.monotonic()
        key = input.idempotency_key
        with stripe_errors("list_refunds"):
            ours = self._billing.refunds_with_key(input.charge_id, key)
        existing = _settled(ours, key)
        if existing is not None:
            activity.logger.info("refund %s already exists for key %s", existing.refund_id, key)
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

        self._require_time_for_one_call(started)
        with stripe_errors("create_refund"):
            refund = self._billing.create_refund(
                input.charge_id,
                input.amount_cents,
                key,
                {
                    "workflow_id": input.workflow_id,
                    "ticket_id": input.ticket_id,
                    "approval_request_id": input.approval_request_id,
                    KEY_GENERATION_METADATA_KEY: str(input.key_generation),
                },
            )
        if not refund.is_live:
            raise _refund_failed(refund, key)

        with stripe_errors("list_refunds"):
            after = self._billing.refunds_with_key(input.charge_id, key)
        _check_only_refund(refund, after, key)
        activity.logger.info(
            "refund %s of %d %s created on %s",
            refund.refund_id,
            refund.amount_cents,
            refund.currency,
            refund.charge_id,
        )
        return _result(refund, found_existing=False)

    def _require_time_for_one_call(self, started: float) -> None:
        """Refuse to start the POST unless it ends (by its HTTP timeout at worst) inside this
        attempt's start-to-close: otherwise Temporal could start the next attempt while this
        one's POST is still in flight, the very race that pays twice."""
        budget = activity.info().start_to_close_timeout
        if budget is None:
            return
        left = budget.total_seconds() - (time.monotonic() - started)
        needed = self._billing.timeout_seconds + _DEADLINE_MARGIN_SECONDS
        if left < needed:
            raise ApplicationError(
                f"only {left:.1f}s of the attempt left, a refund call needs {needed:.1f}s; "
                "not starting it (start-to-close must exceed the calls of one attempt)",
                type=ATTEMPT_TOO_SHORT,
            )


def _settled(ours: list[StripeRefund], key: str) -> StripeRefund | None:
    """What the refunds already carrying `key` mean: the live one to reuse, nothing yet (None),
    or a failure to stop on (a dead refund, or more than one live one)."""
    live = [refund for refund in ours if refund.is_live]
    if len(live) >= 2:
        raise _duplicate(live, key)
    if live:
        return live[0]
    if ours:
        raise _refund_failed(ours[0], key)
    return None


def _check_only_refund(created: StripeRefund, listed: list[StripeRefund], key: str) -> None:
    others = [refund for refund in listed if refund.refund_id != created.refund_id]
    if others:
        raise _duplicate([created, *others], key)
    if not listed:
        # Retryable: the next attempt's pre-check either finds it or creates it with the same
        # key, which Stripe replays.
        raise ApplicationError(
            f"refund {created.refund_id} was created but the charge does not list it yet",
            type=REFUND_NOT_LISTED,
        )


def _refund_failed(refund: StripeRefund, key: str) -> ApplicationError:
    reason = refund.failure_reason or "Stripe gave no reason"
    activity.logger.warning(
        "refund %s for key %s is %s: %s", refund.refund_id, key, refund.status, reason
    )
    return ApplicationError(
        f"refund {refund.refund_id} on {refund.charge_id} {refund.status}: {reason}",
        {"refund_id": refund.refund_id, "status": refund.status, "failure_reason": reason},
        type=REFUND_FAILED,
        non_retryable=True,
    )


def _duplicate(refunds: list[StripeRefund], key: str) -> ApplicationError:
    ids = [refund.refund_id for refund in refunds]
    total = sum(refund.amount_cents for refund in refunds if refund.is_live)
    # Error level: money may have moved twice, and only a person can reverse it.
    activity.logger.error(
        "DUPLICATE REFUND: %d refunds carry key %s on %s (%s), %d cents in total",
        len(ids),
        key,
        refunds[0].charge_id,
        ", ".join(ids),
        total,
    )
    return ApplicationError(
        f"{len(ids)} refunds carry one idempotency key on {refunds[0].charge_id}: "
        f"{', '.join(ids)} ({total} cents live); the server did not honour Idempotency-Key",
        {"refund_ids": ids, "live_cents": total},
        type=DUPLICATE_REFUND_DETECTED,
        non_retryable=True,
    )


def _result(refund: StripeRefund, *, found_existing: bool) -> RefundResult:
    return RefundResult(
        refund_id=refund.refund_id,
        charge_id=refund.charge_id,
        amount_cents=refund.amount_cents,
        currency=refund.currency,
        status=refund.status,
        found_existing=found_existing,
    )
