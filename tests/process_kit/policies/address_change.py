"""The address-change policy: versioned data plus a pure check of a new address."""

from __future__ import annotations

from pathlib import Path

import re2
from pydantic import BaseModel, Field

# Where the example keeps its policy files (production: the project's policies/ folder).
POLICY_DIR = Path(__file__).parent


class AddressPolicy(BaseModel):
    version: str
    countries: list[str]
    postal_code_patterns: dict[str, str]
    reminder_after_hours: float = Field(gt=0)
    close_after_hours: float = Field(gt=0)


def address_errors(
    policy: AddressPolicy, line1: str, city: str, postal_code: str, country: str
) -> dict[str, str]:
    """Field-level errors, empty when the address can be used. Linear-time patterns (RE2):
    the fields come from the customer."""
    errors: dict[str, str] = {}
    for field, value in (("line1", line1), ("city", city)):
        if not value.strip():
            errors[field] = "required"
    if country not in policy.countries:
        errors["country"] = f"we ship to {', '.join(policy.countries)}"
    elif not re2.fullmatch(policy.postal_code_patterns[country], postal_code.strip().upper()):
        errors["postal_code"] = f"not a valid {country} postal code"
    return errors
