"""Labelled examples: cases people saved from the review card with corrected labels.

Revision ID: 0006_labelled_examples
Revises: 0005_decision_facts
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_labelled_examples"
down_revision = "0005_decision_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labelled_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("route", sa.String(32), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_labelled_examples"),
    )
    op.create_index("ix_labelled_examples_ticket_id", "labelled_examples", ["ticket_id"])
    op.create_index("ix_labelled_examples_saved_at", "labelled_examples", ["saved_at"])


def downgrade() -> None:
    op.drop_index("ix_labelled_examples_saved_at", table_name="labelled_examples")
    op.drop_index("ix_labelled_examples_ticket_id", table_name="labelled_examples")
    op.drop_table("labelled_examples")
