"""Inputs and outputs of the onboarding activities (plain pydantic, importable in workflows)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from integrations.commerce_catalogue import CataloguePlanInfo, PlanCompatibility
from integrations.crm_onboarding import AccountRecord


class OpenApplicationInput(BaseModel):
    application_id: str
    workflow_id: str
    at: datetime


class SignupEmailInput(BaseModel):
    application_id: str
    email: str
    customer_id: str | None = None


class SignupEmailCheck(BaseModel):
    """`problem` is None when the email may sign up."""

    problem: str | None = None


class StepTiming(BaseModel):
    application_id: str
    step: str
    event: Literal["submitted", "done", "refused", "escalated"]
    at: datetime
    submitted_at: datetime | None = None
    next_step: str | None
    email: str | None = None


class CloseApplicationInput(BaseModel):
    application_id: str
    status: Literal["completed", "abandoned", "closed", "expired"]
    stopped_at: str | None
    resolution: str
    at: datetime


class CompatibilityInput(BaseModel):
    plan_id: str
    region: str
    device_model: str


class PaymentSetupInput(BaseModel):
    """Keys minted by the workflow: one for the customer (per application), one per setup."""

    application_id: str
    email: str
    name: str
    payment_method: str
    customer_key: str
    setup_key: str
    # The customer an earlier check of this signup made: found by id, not looked up again.
    stripe_customer_id: str | None = None


class PaymentSetupResult(BaseModel):
    stripe_customer_id: str
    payment_method_id: str
    setup_intent_id: str
    customer_found_existing: bool


class SubscriptionInput(BaseModel):
    application_id: str
    stripe_customer_id: str
    stripe_plan_id: str
    trial_end: int | None
    idempotency_key: str


class SubscriptionResult(BaseModel):
    subscription_id: str
    status: str
    trial_end: int | None
    found_existing: bool


class AccountInput(BaseModel):
    application_id: str
    customer_id: str
    name: str
    email: str
    plan_id: str
    stripe_customer_id: str
    stripe_subscription_id: str
    at: datetime
    ticket_id: str


__all__ = ["AccountRecord", "CataloguePlanInfo", "PlanCompatibility"]
