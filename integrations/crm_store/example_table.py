"""The `labelled_examples` table (integrations/labelled_examples.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field

from integrations.crm_store.tables import CrmTable


class LabelledExample(CrmTable, table=True):
    __tablename__ = "labelled_examples"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(index=True, max_length=64)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", sa_type=Text)
    intent: str = Field(max_length=64)
    route: str = Field(max_length=32)
    reply: str = Field(sa_type=Text)
    saved_by: str = Field(max_length=64)
    saved_at: datetime = Field(index=True)
