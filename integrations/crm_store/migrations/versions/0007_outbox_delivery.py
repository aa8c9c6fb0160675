"""Outbound delivery: case events, per-channel delivery state, ticket sources, callback URLs,
and the outbox's delivery columns (attempts, provider message id, last error).

Revision ID: 0007_outbox_delivery
Revises: 0006_labelled_examples
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_delivery"
down_revision = "0006_labelled_examples"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("provider_message_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("failed_at", _utc(), nullable=True))
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("dispatched_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_case_events_dedupe_key"),
    )
    op.create_index("ix_case_events_ticket_id", "case_events", ["ticket_id"])
    op.create_index("ix_case_events_dispatched_at", "case_events", ["dispatched_at"])
    op.create_table(
        "event_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_message_id", sa.String(255), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event_deliveries"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["case_events.id"], name="fk_event_deliveries_event_id_case_events"
        ),
        sa.UniqueConstraint("event_id", "channel", name="uq_event_deliveries_event_id_channel"),
    )
    op.create_index("ix_event_deliveries_event_id", "event_deliveries", ["event_id"])
    op.create_index("ix_event_deliveries_ticket_id", "event_deliveries", ["ticket_id"])
    op.create_table(
        "ticket_sources",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("system", sa.String(64), nullable=True),
        sa.Column("helpdesk", sa.String(32), nullable=True),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_ticket_sources"),
    )
    op.create_index("ix_ticket_sources_system", "ticket_sources", ["system"])
    op.create_table(
        "callback_endpoints",
        sa.Column("system", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("system", name="pk_callback_endpoints"),
    )


def downgrade() -> None:
    op.drop_table("callback_endpoints")
    op.drop_index("ix_ticket_sources_system", table_name="ticket_sources")
    op.drop_table("ticket_sources")
    op.drop_index("ix_event_deliveries_ticket_id", table_name="event_deliveries")
    op.drop_index("ix_event_deliveries_event_id", table_name="event_deliveries")
    op.drop_table("event_deliveries")
    op.drop_index("ix_case_events_dispatched_at", table_name="case_events")
    op.drop_index("ix_case_events_ticket_id", table_name="case_events")
    op.drop_table("case_events")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failed_at")
        batch.drop_column("last_error")
        batch.drop_column("provider_message_id")
        batch.drop_column("attempts")
