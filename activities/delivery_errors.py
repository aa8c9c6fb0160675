"""How a failed delivery (a callback URL, the Zendesk API) becomes a Temporal error; the one place
that decides what is retried.

Busy or broken receivers heal: 408, 409, 425, 429, 5xx, timeouts and refused connections are
retried on the delivery policy's schedule (honouring Retry-After). An answer that will be the
same next time — a refused credential, a gone ticket or URL, a rejected body, a redirect — is
non-retryable and fails the message at once. Messages name the host and status only: a URL's
query string or a response body can carry secrets or customer data.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from temporalio.exceptions import ApplicationError

from activities.retry_after import retry_after

RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
RETRY_AFTER_CAP = timedelta(minutes=10)
_NON_RETRYABLE_TYPES = {
    401: "DeliveryUnauthorized",
    403: "DeliveryUnauthorized",
    404: "DeliveryTargetGone",
    410: "DeliveryTargetGone",
}


def delivery_failure(channel: str, err: Exception) -> ApplicationError:
    """The ApplicationError for `err` raised while delivering on `channel`."""
    if isinstance(err, httpx.HTTPStatusError):
        status = err.response.status_code
        where = f"{channel}: HTTP {status} from {err.request.url.host}"
        if status in RETRYABLE_STATUSES or status >= 500:
            delay = retry_after(err.response.headers, cap=RETRY_AFTER_CAP)
            return ApplicationError(where, type="DeliveryUnavailable", next_retry_delay=delay)
        kind = _NON_RETRYABLE_TYPES.get(status)
        if kind is None:
            kind = "DeliveryRedirected" if 300 <= status < 400 else "DeliveryRejected"
        return ApplicationError(where, type=kind, non_retryable=True)
    if isinstance(err, httpx.TimeoutException):
        return ApplicationError(
            f"{channel}: timed out ({type(err).__name__})", type="DeliveryTimeout"
        )
    if isinstance(err, httpx.TransportError):
        return ApplicationError(
            f"{channel}: unreachable ({type(err).__name__})", type="DeliveryUnreachable"
        )
    if isinstance(err, httpx.InvalidURL | LookupError | ValueError):
        return ApplicationError(
            f"{channel}: not deliverable ({str(err)[:200]})",
            type="DeliveryMisconfigured",
            non_retryable=True,
        )
    return ApplicationError(f"{channel}: {type(err).__name__}", type="DeliveryError")
