"""What the CRM recorded about one case, as the outcomes report reads it: the ticket and its
slices (intent, process, customer tier, channel), the first reply, the end, the hand-offs a person
worked, approvals, LLM usage and the audit actions the failure categories are derived from.

Plain data with no database imports: `integrations/crm_store/outcome_reads.py` fills it from the
tables, tests and the benchmark script it directly.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class HandoffFacts(BaseModel):
    reason: str
    opened_at: datetime
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    ending: str | None = None
    reopened: bool = False
    drafted: bool = False
    draft_rejected: bool = False
    # Normalised edit distance draft -> sent; None unless a drafted reply was sent.
    edit_distance: float | None = None
    sla_breached: bool = False


class ApprovalFacts(BaseModel):
    requested_at: datetime
    decided_at: datetime | None = None
    status: str
    # Decisions people made on the request ("approve" / "reject").
    decisions: list[str] = []


class AuditFact(BaseModel):
    actor: str
    action: str
    detail: str = ""


class CaseFacts(BaseModel):
    ticket_id: str
    created_at: datetime
    intent: str
    process: str
    tier: str
    channel: str
    status: str
    # Set when the case reached its end (a terminal state); None while it is open.
    ended_at: datetime | None = None
    first_reply_at: datetime | None = None
    handoffs: list[HandoffFacts] = []
    approvals: list[ApprovalFacts] = []
    audit: list[AuditFact] = []
    input_tokens: int = 0
    output_tokens: int = 0
