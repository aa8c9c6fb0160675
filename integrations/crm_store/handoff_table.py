"""The `handoffs` table: one row per hand-off a person works (integrations/handoff_records.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field

from integrations.crm_store.tables import CrmTable


class Handoff(CrmTable, table=True):
    __tablename__ = "handoffs"

    handoff_id: str = Field(primary_key=True, max_length=64)
    ticket_id: str = Field(index=True, max_length=64)
    workflow_id: str = Field(max_length=255)
    reason: str = Field(sa_type=Text)
    urgency: str = Field(max_length=16)
    reopened: bool = False
    state: str = Field(max_length=24)
    opened_at: datetime = Field(index=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    assigned_channel: str | None = Field(default=None, max_length=64)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = None
    ending: str | None = Field(default=None, max_length=24)
    action_taken: str | None = Field(default=None, sa_type=Text)
    draft_text: str | None = Field(default=None, sa_type=Text)
    sent_text: str | None = Field(default=None, sa_type=Text)
    edit_distance: float | None = None
    draft_rejected: bool = False
    sla_due_at: datetime | None = None
    sla_reminded_at: datetime | None = None
    sla_breached_at: datetime | None = None
    updated_at: datetime
