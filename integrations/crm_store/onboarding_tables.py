"""Tables of signups: the plan catalogue (which plan is sold where, which devices it supports),
onboarding applications with their step timings, and the accounts provisioning creates.

Registered on the CRM's metadata like every other table (the package imports this module), and
built by migration 0003.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Text
from sqlmodel import Field

from integrations.crm_store.tables import CrmTable


class CataloguePlan(CrmTable, table=True):
    """A plan on sale. `rank` orders plans from smallest to largest, so the nearest compatible
    plan can be offered when the chosen one cannot be sold."""

    __tablename__ = "catalogue_plans"

    plan_id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    monthly_cents: int
    currency: str = Field(max_length=3)
    rank: int
    stripe_plan_id: str = Field(max_length=64)


class CataloguePlanRegion(CrmTable, table=True):
    __tablename__ = "catalogue_plan_regions"

    plan_id: str = Field(primary_key=True, foreign_key="catalogue_plans.plan_id", max_length=40)
    region: str = Field(primary_key=True, max_length=32)


class CatalogueDeviceSupport(CrmTable, table=True):
    __tablename__ = "catalogue_device_support"

    device_model: str = Field(primary_key=True, max_length=64)
    plan_id: str = Field(primary_key=True, foreign_key="catalogue_plans.plan_id", max_length=40)


class OnboardingApplication(CrmTable, table=True):
    """One signup. `steps` holds each step's timing (`submitted_at`, `done_at`, `submissions`) for
    the funnel; `stopped_at` is the step an abandoned signup stopped at."""

    __tablename__ = "onboarding_applications"

    application_id: str = Field(primary_key=True, max_length=64)
    workflow_id: str = Field(max_length=255)
    email: str = Field(default="", index=True, max_length=254)
    status: str = Field(default="open", max_length=16)
    current_step: str | None = Field(default=None, max_length=32)
    stopped_at: str | None = Field(default=None, max_length=32)
    resolution: str | None = Field(default=None, sa_type=Text)
    steps: dict[str, dict[str, object]] = Field(default_factory=dict, sa_type=JSON)
    started_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class Account(CrmTable, table=True):
    """A customer account made by a completed signup; one per application."""

    __tablename__ = "accounts"

    account_id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(unique=True, max_length=64)
    customer_id: str = Field(foreign_key="customers.id", max_length=64)
    plan_id: str = Field(max_length=40)
    stripe_customer_id: str = Field(max_length=255)
    stripe_subscription_id: str = Field(max_length=255)
    created_at: datetime
