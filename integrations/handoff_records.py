"""What the CRM keeps of a hand-off a person works: who claimed it and when, where it is
assigned, how it ended, the drafted and the sent reply, SLA reminders and breaches, and whether
it reopened an earlier resolution. The outcomes report reads these rows.

Each record is the whole current state of one hand-off (keyed by its id), so writing it again
(an activity retry) leaves the same row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from integrations.crm_records import AuditEntry, CaseState

HandoffState = Literal["waiting", "claimed", "awaiting_customer", "resolved", "handed_back"]
HandoffEnding = Literal["resolved", "sent", "edited", "replied", "process_started", "closed"]


class HandoffRecord(BaseModel):
    handoff_id: str
    ticket_id: str
    workflow_id: str
    reason: str
    urgency: str
    reopened: bool = False
    state: HandoffState
    opened_at: datetime
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    assigned_channel: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    ending: HandoffEnding | None = None
    action_taken: str | None = None
    draft_text: str | None = None
    sent_text: str | None = None
    draft_rejected: bool = False
    sla_due_at: datetime | None = None
    sla_reminded_at: datetime | None = None
    sla_breached_at: datetime | None = None
    # The ticket as the CRM shows it meanwhile, and the notes since the last record.
    ticket_status: CaseState
    ticket_resolution: str | None = None
    audit: list[AuditEntry] = []
    audit_key: str


class HandoffView(BaseModel):
    """A stored hand-off; `edit_distance` is set once a drafted reply was sent (0.0 as drafted,
    1.0 rewritten), computed by the store from the two texts."""

    handoff_id: str
    ticket_id: str
    workflow_id: str
    reason: str
    urgency: str
    reopened: bool
    state: str
    opened_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    assigned_channel: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    ending: str | None
    action_taken: str | None
    draft_text: str | None
    sent_text: str | None
    edit_distance: float | None
    draft_rejected: bool
    sla_due_at: datetime | None
    sla_reminded_at: datetime | None
    sla_breached_at: datetime | None
