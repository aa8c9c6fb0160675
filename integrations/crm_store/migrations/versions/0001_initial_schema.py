"""Initial CRM schema: customers, orders, payments, tickets and their case records.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("placed_at", _utc(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_orders_customer_id_customers"
        ),
    )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_table(
        "order_lines",
        _id(),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_lines"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_order_lines_order_id_orders"),
        sa.UniqueConstraint("order_id", "sku", name="uq_order_lines_order_id_sku"),
    )
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
    op.create_table(
        "payments",
        _id(),
        sa.Column("order_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("charge_id", sa.String(255), nullable=False),
        sa.Column("payment_intent_id", sa.String(255), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payments"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_payments_order_id_orders"),
        sa.UniqueConstraint("charge_id", name="uq_payments_charge_id"),
    )
    op.create_index("ix_payments_order_id", "payments", ["order_id"])
    _create_case_tables()


def _create_case_tables() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("process", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("workflow_id", sa.String(255), nullable=True),
        sa.Column("policy_version", sa.String(128), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tickets"),
    )
    op.create_index("ix_tickets_customer_id", "tickets", ["customer_id"])
    op.create_index("ix_tickets_workflow_id", "tickets", ["workflow_id"])
    op.create_table(
        "notes",
        _id(),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_notes_ticket_id_tickets"),
        sa.UniqueConstraint("dedupe_key", name="uq_notes_dedupe_key"),
    )
    op.create_index("ix_notes_ticket_id", "notes", ["ticket_id"])
    op.create_table(
        "outbox",
        _id(),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name="fk_outbox_ticket_id_tickets"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_ticket_id", "outbox", ["ticket_id"])
    _create_approval_tables()
    _create_ledger_tables()


def _create_approval_tables() -> None:
    op.create_table(
        "approvals",
        _id(),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("required_approvals", sa.Integer(), nullable=False),
        sa.Column("approvers", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("slack_channel", sa.String(64), nullable=True),
        sa.Column("slack_ts", sa.String(64), nullable=True),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_approvals"),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_approvals_ticket_id_tickets"
        ),
        sa.UniqueConstraint("request_id", name="uq_approvals_request_id"),
    )
    op.create_index("ix_approvals_ticket_id", "approvals", ["ticket_id"])
    op.create_table(
        "approval_decisions",
        _id(),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("approver", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_decisions"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approvals.request_id"],
            name="fk_approval_decisions_request_id_approvals",
        ),
        sa.UniqueConstraint(
            "request_id", "approver", name="uq_approval_decisions_request_id_approver"
        ),
    )
    op.create_index("ix_approval_decisions_request_id", "approval_decisions", ["request_id"])


def _create_ledger_tables() -> None:
    op.create_table(
        "refunds",
        _id(),
        sa.Column("refund_id", sa.String(255), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=True),
        sa.Column("order_id", sa.String(64), nullable=True),
        sa.Column("charge_id", sa.String(255), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
        sa.UniqueConstraint("refund_id", name="uq_refunds_refund_id"),
    )
    op.create_index("ix_refunds_ticket_id", "refunds", ["ticket_id"])
    op.create_index("ix_refunds_customer_id", "refunds", ["customer_id"])
    op.create_index("ix_refunds_created_at", "refunds", ["created_at"])
    op.create_table(
        "audit_events",
        _id(),
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(128), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_audit_events_dedupe_key"),
    )
    op.create_index("ix_audit_events_ticket_id", "audit_events", ["ticket_id"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "refunds",
        "approval_decisions",
        "approvals",
        "outbox",
        "notes",
        "tickets",
        "payments",
        "order_lines",
        "orders",
        "customers",
    ):
        op.drop_table(table)
