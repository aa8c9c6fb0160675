"""The onboarding policy's step rules as tables: formats, allowed values, cross-field rules,
eligibility, dependencies and the reminder schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from policies.loader import load_policy_document
from policies.onboarding import (
    OnboardingPolicy,
    dependents,
    eligibility_problem,
    field_errors,
)
from workflows.onboarding.reminders import next_wake

POLICY = OnboardingPolicy.model_validate(load_policy_document("onboarding").data)


def _step(name: str):  # type: ignore[no-untyped-def]
    step = POLICY.step(name)
    assert step is not None
    return step


GOOD_ADDRESS = {
    "country": "GB",
    "region": "north",
    "postal_code": "LS1 5AB",
    "customer_type": "individual",
}


@pytest.mark.parametrize(
    ("step", "fields", "errors"),
    [
        ("contact", {"email": "ada@example.com", "full_name": "Ada"}, {}),
        ("contact", {"email": "ada@example", "full_name": "Ada"}, {"email": "not a valid email"}),
        ("contact", {"full_name": "Ada"}, {"email": "required"}),
        ("contact", {"email": "a@b.co", "full_name": " "}, {"full_name": "required"}),
        (
            "contact",
            {"email": "a@b.co", "full_name": "Ada", "phone": "call me"},
            {"phone": "not a valid phone"},
        ),
        (
            "contact",
            {"email": "a@b.co", "full_name": "x" * 121},
            {"full_name": "at most 120 characters"},
        ),
        (
            "contact",
            {"email": "a@b.co", "full_name": "Ada", "card": "4242"},
            {"card": "not a field of this step"},
        ),
        ("address", GOOD_ADDRESS, {}),
        (
            "address",
            GOOD_ADDRESS | {"region": "mars"},
            {"region": "one of north, south, east, west, central"},
        ),
        ("address", GOOD_ADDRESS | {"country": "gb"}, {"country": "not a valid country"}),
        (
            "address",
            GOOD_ADDRESS | {"customer_type": "business"},
            {"business_registration_number": "required when customer_type is business"},
        ),
        (
            "address",
            GOOD_ADDRESS | {"customer_type": "business", "business_registration_number": "1234"},
            {},
        ),
        (
            "address",
            GOOD_ADDRESS | {"business_registration_number": "12345678"},
            {"business_registration_number": "leave empty when customer_type is individual"},
        ),
        ("plan", {"plan_id": "plus_5g", "device_model": "pixel-9"}, {}),
        (
            "plan",
            {"plan_id": "Plus 5G", "device_model": "pixel-9"},
            {"plan_id": "not a valid plan id"},
        ),
        ("payment", {"payment_method": "pm_card_visa"}, {}),
        (
            "payment",
            {"payment_method": "4242424242424242"},
            {"payment_method": "not a valid payment method"},
        ),
    ],
)
def test_field_rules(step: str, fields: dict[str, str], errors: dict[str, str]) -> None:
    assert field_errors(POLICY, _step(step), fields) == errors


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (GOOD_ADDRESS, None),
        (GOOD_ADDRESS | {"country": "IE"}, None),
        (GOOD_ADDRESS | {"country": "FR"}, "we do not serve FR yet (served: GB, IE)"),
        (
            GOOD_ADDRESS
            | {"customer_type": "business", "business_registration_number": "12345678"},
            None,
        ),
        (
            GOOD_ADDRESS
            | {"customer_type": "business", "business_registration_number": "SC123456"},
            None,
        ),
        (
            GOOD_ADDRESS | {"customer_type": "business", "business_registration_number": "1234"},
            "business registration number 1234 is not in the GB register's format",
        ),
    ],
)
def test_eligibility(address: dict[str, str], problem: str | None) -> None:
    assert eligibility_problem(POLICY, address) == problem


@pytest.mark.parametrize(
    ("step", "rechecked"),
    [
        ("contact", ["address", "plan", "payment"]),
        ("address", ["plan"]),
        ("plan", []),
        ("payment", []),
    ],
)
def test_back_edits_recheck_dependent_steps(step: str, rechecked: list[str]) -> None:
    assert dependents(POLICY, step) == rechecked


START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "after", "abandon"),
    [
        (0, timedelta(days=1), False),
        (1, timedelta(days=3), False),
        (2, timedelta(days=7), False),
        (3, timedelta(days=14), True),
    ],
)
def test_reminders_then_abandonment(sent: int, after: timedelta, abandon: bool) -> None:
    assert next_wake(POLICY, START, sent) == (START + after, abandon)


def test_a_policy_with_a_forward_dependency_is_refused() -> None:
    data = load_policy_document("onboarding").data
    steps = [dict(s) for s in data["steps"]]
    steps[0] = steps[0] | {"depends_on": ["payment"]}
    with pytest.raises(ValueError, match="depends on unknown or later steps"):
        OnboardingPolicy.model_validate(data | {"steps": steps})


def test_reminders_must_end_before_abandonment() -> None:
    data = load_policy_document("onboarding").data
    with pytest.raises(ValueError, match="reminder offsets"):
        OnboardingPolicy.model_validate(data | {"reminder_offsets_days": [1, 20]})
