"""API keys of calling systems and people; one money case per order at a time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=True),
        sa.Column("slack_user_id", sa.String(64), nullable=True),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.Column("last_used_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
        sa.UniqueConstraint("name", name="uq_api_keys_name"),
    )
    op.create_index("ix_api_keys_person_id", "api_keys", ["person_id"])
    op.create_index("ix_api_keys_slack_user_id", "api_keys", ["slack_user_id"])
    op.create_table(
        "order_money_holds",
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("process", sa.String(32), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("acquired_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name="pk_order_money_holds"),
    )
    op.create_index("ix_order_money_holds_customer_id", "order_money_holds", ["customer_id"])


def downgrade() -> None:
    op.drop_table("order_money_holds")
    op.drop_index("ix_api_keys_slack_user_id", table_name="api_keys")
    op.drop_index("ix_api_keys_person_id", table_name="api_keys")
    op.drop_table("api_keys")
