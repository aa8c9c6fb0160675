"""Hand-offs a person works: claims, resolutions, drafts and what was sent, SLA, reopens.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("handoff_id", sa.String(64), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("reopened", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("opened_at", _utc(), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("assigned_channel", sa.String(64), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.Column("ending", sa.String(24), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("draft_text", sa.Text(), nullable=True),
        sa.Column("sent_text", sa.Text(), nullable=True),
        sa.Column("edit_distance", sa.Float(), nullable=True),
        sa.Column("draft_rejected", sa.Boolean(), nullable=False),
        sa.Column("sla_due_at", _utc(), nullable=True),
        sa.Column("sla_reminded_at", _utc(), nullable=True),
        sa.Column("sla_breached_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("handoff_id", name="pk_handoffs"),
    )
    op.create_index("ix_handoffs_ticket_id", "handoffs", ["ticket_id"])
    op.create_index("ix_handoffs_opened_at", "handoffs", ["opened_at"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_opened_at", table_name="handoffs")
    op.drop_index("ix_handoffs_ticket_id", table_name="handoffs")
    op.drop_table("handoffs")
