"""The one place where Slack failures become Temporal failures.

The Slack client runs without retry handlers, so every failure leaves a chat activity as an
`ApplicationError` that says whether another attempt can help:

- `ratelimited` (HTTP 429): retryable after exactly the `Retry-After` Slack asked for;
- Slack outages (5xx, `internal_error`, `service_unavailable`, …) and connection failures:
  retryable with Temporal's backoff;
- configuration problems (bad or revoked token, unknown channel, bot not in the channel, missing
  scope): non-retryable `SlackConfigError`, with a message saying what to fix, because no retry
  fixes a setting and the workflow should escalate instead of waiting;
- anything else Slack refuses (invalid blocks, message not found): non-retryable
  `SlackRequestRejected`.

The Slack exception is not chained onto the failure: failures are written to workflow history,
and the history should hold our message, not a raw HTTP exchange.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from slack_sdk.errors import SlackApiError, SlackRequestError
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.retry_after import retry_after

RATE_LIMITED = "SlackRateLimited"
CONFIG_ERROR = "SlackConfigError"
UNAVAILABLE = "SlackUnavailable"
REJECTED = "SlackRequestRejected"

# For a workflow's RetryPolicy.non_retryable_error_types, as a second line of defence.
NON_RETRYABLE_TYPES = (CONFIG_ERROR, REJECTED)

# A Retry-After beyond this is capped so one odd header cannot park an approval for hours.
MAX_RETRY_AFTER = timedelta(minutes=15)

_CONFIG_HINTS = {
    "invalid_auth": "the bot token (SLACK_BOT_TOKEN) is not valid for this workspace",
    "not_authed": "no bot token was sent; set SLACK_BOT_TOKEN",
    "account_inactive": "the token belongs to a deactivated app or user; reinstall the Slack app",
    "token_revoked": "the bot token was revoked; reinstall the app and update SLACK_BOT_TOKEN",
    "token_expired": "the bot token expired; refresh it and update SLACK_BOT_TOKEN",
    "no_permission": "the app lacks permission for this workspace or channel",
    "missing_scope": "the Slack app lacks an OAuth scope it needs (see `needed`)",
    "channel_not_found": "the channel in the refund policy does not exist or is not visible "
    "to the bot; use a channel id (C…) and check slack_channel in the policy",
    "not_in_channel": "the bot is not a member of the channel; invite it with /invite",
    "is_archived": "the channel in the refund policy is archived",
    "restricted_action": "the workspace does not allow the bot to post in this channel",
    "team_access_not_granted": "the app is not installed in this workspace",
}
_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def to_application_error(
    error: Exception, operation: str, channel: str | None = None
) -> ApplicationError | None:
    """Classify one failure of a Slack call; None for exceptions that are not Slack's."""
    where = f"Slack {operation}" + (f" in {channel}" if channel else "")
    if isinstance(error, SlackApiError):
        return _from_api_error(error, where)
    if isinstance(error, SlackRequestError):
        return ApplicationError(
            f"{where} could not be sent: {error}", type=CONFIG_ERROR, non_retryable=True
        )
    if isinstance(error, OSError | http.client.HTTPException):
        # URLError, timeouts, refused and reset connections: Slack may be back on the next try.
        return ApplicationError(
            f"{where} failed to reach Slack: {type(error).__name__}: {error}",
            {"operation": operation},
            type=UNAVAILABLE,
        )
    return None


def _from_api_error(error: SlackApiError, where: str) -> ApplicationError:
    response = error.response
    status = response.status_code
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "unknown_error")
    details = {"http_status": status, "slack_error": code, "needed": data.get("needed")}
    if status == 429 or code == "ratelimited":
        return ApplicationError(
            f"{where} was rate limited (HTTP {status})",
            details,
            type=RATE_LIMITED,
            next_retry_delay=retry_after(response.headers, cap=MAX_RETRY_AFTER, http_date=False),
        )
    if code in _CONFIG_HINTS:
        return ApplicationError(
            f"{where} failed with {code}: {_CONFIG_HINTS[code]}",
            details,
            type=CONFIG_ERROR,
            non_retryable=True,
        )
    if status >= 500 or code in _TRANSIENT:
        return ApplicationError(
            f"{where} failed with {code} (HTTP {status})", details, type=UNAVAILABLE
        )
    return ApplicationError(
        f"{where} was refused: {code} (HTTP {status})",
        details,
        type=REJECTED,
        non_retryable=True,
    )


@contextmanager
def slack_errors(operation: str, channel: str | None = None) -> Iterator[None]:
    """Wrap Slack calls in an activity: Slack and network failures leave as ApplicationError."""
    try:
        yield
    except Exception as error:
        failure = to_application_error(error, operation, channel)
        if failure is None:
            raise
        activity.logger.warning("%s (retryable=%s)", failure.message, not failure.non_retryable)
        raise failure from None
