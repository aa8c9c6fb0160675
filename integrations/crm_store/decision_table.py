"""The `decision_facts` table: what each case's policy decided and the facts it decided on,
written with the audit entry that notes the decision (`writes.add_audit`), read by backtests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field

from integrations.crm_store.tables import CrmTable


class DecisionFacts(CrmTable, table=True):
    __tablename__ = "decision_facts"

    id: int | None = Field(default=None, primary_key=True)
    # The audit entry's dedupe key: a retried record writes the decision once.
    dedupe_key: str = Field(unique=True, max_length=255)
    ticket_id: str = Field(index=True, max_length=64)
    workflow_id: str | None = Field(default=None, max_length=255)
    process: str = Field(index=True, max_length=32)
    policy_version: str | None = Field(default=None, max_length=128)
    decided_at: datetime = Field(index=True)
    verdict: str = Field(max_length=32)
    rule: str = Field(max_length=64)
    amount_cents: int = 0
    approval_level: str | None = Field(default=None, max_length=32)
    required_approvals: int = 0
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
