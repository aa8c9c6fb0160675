"""The onboarding policy: the signup's steps as data, and pure checks over what a customer typed.

`policies/onboarding.json` lists the steps in order, their fields and rules (required, formats,
allowed values, cross-field rules), the backend check each step needs, which steps depend on
which (a back-edit re-checks its dependents), reminder offsets, the abandonment deadline, which
failed checks go to a person, and the trial. Every pattern is RE2 (linear time): the values come
from the customer.
"""

from __future__ import annotations

from typing import Literal

import re2
from pydantic import BaseModel, Field, model_validator

from policies.approval_levels import ApprovalLevel

StepCheck = Literal["identity", "eligibility", "compatibility", "payment_method"]


class FieldRule(BaseModel):
    name: str
    required: bool = False
    format: str | None = None
    allowed: list[str] | None = None
    max_length: int = Field(200, gt=0)


class StepRule(BaseModel):
    name: str
    title: str
    fields: list[FieldRule]
    check: StepCheck
    depends_on: list[str] = []


class CrossFieldRule(BaseModel):
    """When `when_field` equals `equals`, `then_required` must be given (or `then_empty` left
    empty)."""

    name: str
    step: str
    when_field: str
    equals: str
    then_required: str | None = None
    then_empty: str | None = None


class Eligibility(BaseModel):
    served_countries: list[str]
    registration_formats: dict[str, str]


class ExceptionApproval(BaseModel):
    level: ApprovalLevel
    reminder_after_hours: float = Field(gt=0)
    expiry_hours: float = Field(gt=0)


class OnboardingPolicy(BaseModel):
    version: str
    steps: list[StepRule] = Field(min_length=1)
    cross_field_rules: list[CrossFieldRule] = []
    formats: dict[str, str]
    eligibility: Eligibility
    reminder_offsets_days: list[float]
    abandon_after_days: float = Field(gt=0)
    to_person: list[StepCheck]
    trial_days: int = Field(ge=0)
    continue_url: str
    approval: ExceptionApproval

    @model_validator(mode="after")
    def _consistent(self) -> OnboardingPolicy:
        names = [s.name for s in self.steps]
        for step in self.steps:
            unknown = [d for d in step.depends_on if d not in names[: names.index(step.name)]]
            if unknown:
                raise ValueError(f"step {step.name} depends on unknown or later steps {unknown}")
            for rule in step.fields:
                if rule.format is not None and rule.format not in self.formats:
                    raise ValueError(f"field {rule.name} names unknown format {rule.format}")
        offsets = self.reminder_offsets_days
        if offsets != sorted(offsets) or (offsets and offsets[-1] >= self.abandon_after_days):
            raise ValueError("reminder offsets must ascend and end before abandonment")
        return self

    def step(self, name: str) -> StepRule | None:
        return next((s for s in self.steps if s.name == name), None)

    @property
    def step_names(self) -> list[str]:
        return [s.name for s in self.steps]


def field_errors(
    policy: OnboardingPolicy, step: StepRule, fields: dict[str, str]
) -> dict[str, str]:
    """Field → why it cannot be taken; empty when the step's data is well formed."""
    errors: dict[str, str] = {}
    known = {rule.name for rule in step.fields}
    for name in sorted(set(fields) - known):
        errors[name] = "not a field of this step"
    for rule in step.fields:
        value = fields.get(rule.name, "").strip()
        if not value:
            if rule.required:
                errors[rule.name] = "required"
            continue
        if len(value) > rule.max_length:
            errors[rule.name] = f"at most {rule.max_length} characters"
        elif rule.allowed is not None and value not in rule.allowed:
            errors[rule.name] = f"one of {', '.join(rule.allowed)}"
        elif rule.format is not None and not re2.fullmatch(policy.formats[rule.format], value):
            errors[rule.name] = f"not a valid {rule.format.replace('_', ' ')}"
    for cross in policy.cross_field_rules:
        if cross.step != step.name or fields.get(cross.when_field, "").strip() != cross.equals:
            continue
        if cross.then_required and not fields.get(cross.then_required, "").strip():
            errors.setdefault(
                cross.then_required, f"required when {cross.when_field} is {cross.equals}"
            )
        if cross.then_empty and fields.get(cross.then_empty, "").strip():
            errors.setdefault(
                cross.then_empty, f"leave empty when {cross.when_field} is {cross.equals}"
            )
    return errors


def eligibility_problem(policy: OnboardingPolicy, address: dict[str, str]) -> str | None:
    """Why the applicant cannot sign up as they are (a person may still grant an exception)."""
    country = address.get("country", "")
    rules = policy.eligibility
    if country not in rules.served_countries:
        return f"we do not serve {country} yet (served: {', '.join(rules.served_countries)})"
    number = address.get("business_registration_number", "").strip().upper()
    pattern = rules.registration_formats.get(country)
    if number and pattern is not None and not re2.fullmatch(pattern, number):
        return f"business registration number {number} is not in the {country} register's format"
    return None


def dependents(policy: OnboardingPolicy, step: str) -> list[str]:
    """Steps that depend on `step`, directly or through others, in policy order."""
    found: set[str] = {step}
    for rule in policy.steps:
        if any(d in found for d in rule.depends_on):
            found.add(rule.name)
    return [name for name in policy.step_names if name in found and name != step]
