"""The facts each policy decision was made on, for policy backtests.

Revision ID: 0005_decision_facts
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_decision_facts"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=True),
        sa.Column("process", sa.String(32), nullable=False),
        sa.Column("policy_version", sa.String(128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("approval_level", sa.String(32), nullable=True),
        sa.Column("required_approvals", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decision_facts"),
        sa.UniqueConstraint("dedupe_key", name="uq_decision_facts_dedupe_key"),
    )
    op.create_index("ix_decision_facts_ticket_id", "decision_facts", ["ticket_id"])
    op.create_index("ix_decision_facts_process", "decision_facts", ["process"])
    op.create_index("ix_decision_facts_decided_at", "decision_facts", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_decision_facts_decided_at", table_name="decision_facts")
    op.drop_index("ix_decision_facts_process", table_name="decision_facts")
    op.drop_index("ix_decision_facts_ticket_id", table_name="decision_facts")
    op.drop_table("decision_facts")
