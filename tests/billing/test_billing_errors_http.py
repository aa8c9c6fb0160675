"""Error mapping over real HTTP: the real Stripe SDK parses scripted responses from a loopback
server into its own exceptions, and the activity turns them into Temporal failures."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import billing_errors as errors
from activities.billing import BillingActivities
from activities.models import ChargeStateInput
from integrations.stripe_billing import StripeBilling
from tests.billing.scripted_stripe import ScriptedResponse, ScriptedStripe, stripe_error

API_KEY = "sk_test_51HtopSecretKeyValue"

SCRIPT = {
    "ch_rate_limited": stripe_error(
        429, "invalid_request_error", "Too many requests", {"Retry-After": "7"}, code="rate_limit"
    ),
    "ch_server_error": stripe_error(500, "api_error", "Something went wrong on Stripe's end."),
    "ch_maintenance": stripe_error(
        503,
        "api_error",
        "Down for maintenance",
        {"Retry-After": format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)},
    ),
    "ch_timeout": stripe_error(408, "api_error", "Request timed out"),
    "ch_locked": stripe_error(409, "invalid_request_error", "Lock timeout", code="lock_timeout"),
    "ch_declined": stripe_error(
        402,
        "card_error",
        "Your card has insufficient funds.",
        code="card_declined",
        decline_code="insufficient_funds",
    ),
    "ch_bad_key": stripe_error(
        401, "invalid_request_error", f"Invalid API Key provided: {API_KEY}"
    ),
    "ch_forbidden": stripe_error(403, "invalid_request_error", "This key lacks rak_charge_read"),
    "ch_missing": stripe_error(
        404, "invalid_request_error", "No such charge: 'ch_missing'", code="resource_missing"
    ),
    "ch_idempotency": stripe_error(400, "idempotency_error", "Keys for idempotent requests..."),
    "ch_plain_404": ScriptedResponse(404, "Not Found"),
}


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedStripe]:
    server = ScriptedStripe(SCRIPT)
    server.start()
    yield server
    server.stop()


def charge_state_failure(base_url: str, charge_id: str) -> ApplicationError:
    activities = BillingActivities(StripeBilling(API_KEY, base_url, timeout_seconds=5))
    with pytest.raises(ApplicationError) as raised:
        ActivityEnvironment().run(
            activities.get_charge_state, ChargeStateInput(charge_id=charge_id)
        )
    return raised.value


@pytest.mark.parametrize(
    ("charge_id", "error_type", "retryable", "retry_after_s"),
    [
        ("ch_rate_limited", errors.RATE_LIMITED, True, 7),
        ("ch_server_error", errors.UNAVAILABLE, True, None),
        ("ch_maintenance", errors.UNAVAILABLE, True, 600),
        ("ch_timeout", errors.UNAVAILABLE, True, None),
        ("ch_locked", errors.CONFLICT, True, None),
        ("ch_declined", errors.CARD_DECLINED, False, None),
        ("ch_bad_key", errors.AUTH_ERROR, False, None),
        ("ch_forbidden", errors.AUTH_ERROR, False, None),
        ("ch_missing", errors.INVALID_REQUEST, False, None),
        ("ch_idempotency", errors.IDEMPOTENCY_CONFLICT, False, None),
        ("ch_plain_404", errors.STRIPE_ERROR, True, None),
    ],
)
def test_http_failures_map_once_without_sdk_retries(
    scripted: ScriptedStripe,
    charge_id: str,
    error_type: str,
    retryable: bool,
    retry_after_s: int | None,
) -> None:
    before = len(scripted.requests)

    failure = charge_state_failure(scripted.base_url, charge_id)

    assert (failure.type, failure.non_retryable) == (error_type, not retryable)
    expected = None if retry_after_s is None else timedelta(seconds=retry_after_s)
    assert failure.next_retry_delay == expected
    # max_network_retries=0: Temporal, not the SDK, decides whether to try again.
    assert scripted.requests[before:] == [f"/v1/charges/{charge_id}"]
    assert API_KEY not in failure.message
    assert API_KEY not in str(failure.details)


def test_declined_card_details_reach_the_workflow(scripted: ScriptedStripe) -> None:
    (details,) = charge_state_failure(scripted.base_url, "ch_declined").details
    assert details["decline_code"] == "insufficient_funds"
    assert details["http_status"] == 402


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    failure = charge_state_failure(f"http://127.0.0.1:{closed_port}", "ch_anything")

    assert failure.type == errors.CONNECTION_ERROR
    assert not failure.non_retryable
