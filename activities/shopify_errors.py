"""The one place where Shopify failures become Temporal failures.

Temporal owns retries (the Shopify client never retries), so every `ShopifyError` leaves an
activity as an `ApplicationError` that says whether another attempt can help:

- throttled (HTTP 429, or a GraphQL `THROTTLED` error whose cost-based wait the client turns
  into `Retry-After`): retryable, with that wait as `next_retry_delay`, read by the project's
  one Retry-After parser;
- unavailable (connection errors, timeouts, 408, 5xx, a request with the same key still in
  progress): retryable with Temporal's backoff;
- refused (`userErrors`), rejected (other 4xx, GraphQL errors) and auth failures: non-retryable,
  with a `type` the workflow can branch on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.retry_after import retry_after
from integrations.shopify_admin import (
    ShopifyAuthError,
    ShopifyError,
    ShopifyThrottled,
    ShopifyUnavailable,
    ShopifyUserErrors,
)

SHOPIFY_THROTTLED = "ShopifyThrottled"
SHOPIFY_UNAVAILABLE = "ShopifyUnavailable"
SHOPIFY_AUTH_ERROR = "ShopifyAuthError"
SHOPIFY_REJECTED = "ShopifyRejected"
# refundCreate ran and refused (userErrors): nothing was refunded.
SHOPIFY_REFUND_REFUSED = "ShopifyRefundRefused"
SHOPIFY_NOT_CONFIGURED = "ShopifyNotConfigured"

NON_RETRYABLE_TYPES = (
    SHOPIFY_AUTH_ERROR,
    SHOPIFY_REJECTED,
    SHOPIFY_REFUND_REFUSED,
    SHOPIFY_NOT_CONFIGURED,
)
# A cost-based wait is seconds at most; a longer header must not park a case for hours.
MAX_RETRY_AFTER = timedelta(minutes=10)


def to_application_error(error: ShopifyError, operation: str) -> ApplicationError:
    error_type, retryable = _classify(error)
    details: dict[str, object] = {"operation": operation, "http_status": error.status}
    if isinstance(error, ShopifyUserErrors):
        details["user_errors"] = [str(e.get("message", "")) for e in error.errors]
    delay = None
    if isinstance(error, ShopifyThrottled):
        delay = retry_after(error.headers, cap=MAX_RETRY_AFTER, http_date=False)
    return ApplicationError(
        f"Shopify {operation} failed ({error_type}): {str(error)[:500]}",
        details,
        type=error_type,
        non_retryable=not retryable,
        next_retry_delay=delay,
    )


@contextmanager
def shopify_errors(operation: str) -> Iterator[None]:
    """Wrap Shopify calls in an activity: Shopify exceptions leave as `ApplicationError`."""
    try:
        yield
    except ShopifyError as error:
        failure = to_application_error(error, operation)
        activity.logger.warning("%s (retryable=%s)", failure.message, not failure.non_retryable)
        raise failure from None


def _classify(error: ShopifyError) -> tuple[str, bool]:
    if isinstance(error, ShopifyThrottled):
        return SHOPIFY_THROTTLED, True
    if isinstance(error, ShopifyUnavailable):
        return SHOPIFY_UNAVAILABLE, True
    if isinstance(error, ShopifyAuthError):
        return SHOPIFY_AUTH_ERROR, False
    if isinstance(error, ShopifyUserErrors):
        return SHOPIFY_REFUND_REFUSED, False
    return SHOPIFY_REJECTED, False
