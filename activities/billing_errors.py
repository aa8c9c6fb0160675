"""The one place where Stripe failures become Temporal failures.

Temporal owns retries (the Stripe client has its own turned off), so every Stripe exception must
leave an activity as an `ApplicationError` that says whether another attempt can help:

- transient (connection errors, 408, 409, 429, 5xx): retryable; a `Retry-After` header becomes
  `next_retry_delay`, so Temporal waits as long as Stripe asked instead of its own backoff;
- permanent (declined card, invalid request, bad key or permissions, idempotency key reused with
  different parameters): non-retryable, with a `type` the workflow can branch on;
- anything else from Stripe: retryable, bounded by the activity's retry policy.

Stripe messages are kept (they say which charge or parameter was wrong) but scrubbed of anything
shaped like a key, and the Stripe exception is not chained: the failure, its cause chain and its
details are all written to workflow history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import stripe
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.retry_after import retry_after

CARD_DECLINED = "CardDeclined"
INVALID_REQUEST = "StripeInvalidRequest"
AUTH_ERROR = "StripeAuthError"
IDEMPOTENCY_CONFLICT = "StripeIdempotencyConflict"
REFUND_EXCEEDS_REFUNDABLE = "RefundExceedsRefundable"
REFUND_CURRENCY_MISMATCH = "RefundCurrencyMismatch"
# The refund carrying our key ended failed/canceled: no money moved, and retrying the same key
# can only find (or, at Stripe, replay) the same dead refund. A person decides what next; a
# new attempt needs a new key generation (IssueRefundInput.key_generation).
REFUND_FAILED = "RefundFailed"
# Two or more refunds carry one key: a server ignored Idempotency-Key and paid twice. Never
# retried, never reported as refunded; the case escalates so a person can reverse one.
DUPLICATE_REFUND_DETECTED = "DuplicateRefundDetected"
# Stripe answered the create, yet the refund is not in the charge's list yet; the next attempt's
# pre-check decides (retryable).
REFUND_NOT_LISTED = "RefundNotListed"
# The same two for customer balance credits (billing adjustments).
DUPLICATE_CREDIT_DETECTED = "DuplicateCreditDetected"
CREDIT_NOT_LISTED = "CreditNotListed"
# Not enough of the attempt's start-to-close timeout is left to be sure a refund POST ends
# before Temporal could start another attempt (retryable: the next attempt has a full budget).
ATTEMPT_TOO_SHORT = "RefundAttemptTooShort"
# Stripe refuses to refund a charge the customer's bank disputes (`charge_disputed`): the
# chargeback case, not a refund, settles that money.
CHARGE_DISPUTED = "ChargeDisputed"
# The dispute no longer takes evidence or acceptance (submitted, closed, or past due).
DISPUTE_NOT_RESPONDABLE = "DisputeNotRespondable"
RATE_LIMITED = "StripeRateLimited"
CONFLICT = "StripeConflict"
UNAVAILABLE = "StripeUnavailable"
CONNECTION_ERROR = "StripeConnectionError"
STRIPE_ERROR = "StripeError"

# For a workflow's RetryPolicy.non_retryable_error_types, as a second line of defence.
NON_RETRYABLE_TYPES = (
    CARD_DECLINED,
    INVALID_REQUEST,
    AUTH_ERROR,
    IDEMPOTENCY_CONFLICT,
    REFUND_EXCEEDS_REFUNDABLE,
    REFUND_CURRENCY_MISMATCH,
    REFUND_FAILED,
    DUPLICATE_REFUND_DETECTED,
    DUPLICATE_CREDIT_DETECTED,
    CHARGE_DISPUTED,
    DISPUTE_NOT_RESPONDABLE,
)

# A Retry-After longer than this is capped: one misbehaving header must not park a refund for
# hours; the retry policy's attempt limit still bounds the total.
MAX_RETRY_AFTER = timedelta(minutes=10)
_MAX_MESSAGE = 500
_SECRET_PATTERN = re.compile(r"\b(?:sk|rk|pk|whsec)_[A-Za-z0-9_*]+|Bearer\s+\S+")


def to_application_error(error: stripe.StripeError, operation: str) -> ApplicationError:
    """Classify one Stripe exception; `operation` names the call for people reading history."""
    error_type, retryable = _classify(error)
    status = error.http_status
    message = f"Stripe {operation} failed ({error_type}, HTTP {status or '-'}): {_safe(error)}"
    details = {
        "operation": operation,
        "http_status": status,
        "stripe_code": error.code,
        "decline_code": getattr(error.error, "decline_code", None) if error.error else None,
        "request_id": error.request_id,
    }
    return ApplicationError(
        message,
        details,
        type=error_type,
        non_retryable=not retryable,
        next_retry_delay=retry_after(error.headers, cap=MAX_RETRY_AFTER) if retryable else None,
    )


@contextmanager
def stripe_errors(operation: str) -> Iterator[None]:
    """Wrap Stripe calls in an activity: Stripe exceptions leave as `ApplicationError`."""
    try:
        yield
    except stripe.StripeError as error:
        failure = to_application_error(error, operation)
        activity.logger.warning("%s (retryable=%s)", failure.message, not failure.non_retryable)
        # `from None`: the Stripe exception (raw body, headers) must not ride along as the cause.
        raise failure from None


def _classify(error: stripe.StripeError) -> tuple[str, bool]:
    status = error.http_status or 0
    if isinstance(error, stripe.APIConnectionError):
        return CONNECTION_ERROR, True
    if status == 429 or isinstance(error, stripe.RateLimitError):
        return RATE_LIMITED, True
    if status == 409:
        return CONFLICT, True
    if status == 408 or status >= 500:
        return UNAVAILABLE, True
    if isinstance(error, stripe.CardError):
        return CARD_DECLINED, False
    if isinstance(error, stripe.IdempotencyError):
        return IDEMPOTENCY_CONFLICT, False
    if isinstance(error, stripe.InvalidRequestError):
        return (CHARGE_DISPUTED if error.code == "charge_disputed" else INVALID_REQUEST), False
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return AUTH_ERROR, False
    return STRIPE_ERROR, True


def _safe(error: stripe.StripeError) -> str:
    text = _SECRET_PATTERN.sub("[redacted]", error.user_message or type(error).__name__)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
