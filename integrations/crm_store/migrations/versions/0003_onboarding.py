"""Signups: plan catalogue, onboarding applications, accounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "catalogue_plans",
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("stripe_plan_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_catalogue_plans"),
    )
    op.create_table(
        "catalogue_plan_regions",
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["catalogue_plans.plan_id"],
            name="fk_catalogue_plan_regions_plan_id_catalogue_plans",
        ),
        sa.PrimaryKeyConstraint("plan_id", "region", name="pk_catalogue_plan_regions"),
    )
    op.create_table(
        "catalogue_device_support",
        sa.Column("device_model", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["catalogue_plans.plan_id"],
            name="fk_catalogue_device_support_plan_id_catalogue_plans",
        ),
        sa.PrimaryKeyConstraint("device_model", "plan_id", name="pk_catalogue_device_support"),
    )
    op.create_table(
        "onboarding_applications",
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_step", sa.String(32), nullable=True),
        sa.Column("stopped_at", sa.String(32), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("application_id", name="pk_onboarding_applications"),
    )
    op.create_index("ix_onboarding_applications_email", "onboarding_applications", ["email"])
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("application_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(40), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_accounts_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_accounts"),
        sa.UniqueConstraint("application_id", name="uq_accounts_application_id"),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_index("ix_onboarding_applications_email", table_name="onboarding_applications")
    op.drop_table("onboarding_applications")
    op.drop_table("catalogue_device_support")
    op.drop_table("catalogue_plan_regions")
    op.drop_table("catalogue_plans")
