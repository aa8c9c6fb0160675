"""What the CRM recorded about one case, as the outcomes report reads it: the ticket and its
slices (intent, process, customer tier, channel), the replies queued to the customer and how
their delivery went, the end, the hand-offs a person worked, approvals, LLM usage and the audit
actions the failure categories are derived from.

Plain frozen dataclasses with no database imports (tens of thousands are built per report, so no
validation layer): `integrations/crm_store/outcome_reads.py` fills them from the tables, tests
and the benchmark script them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HandoffFacts:
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


@dataclass(frozen=True, slots=True)
class ApprovalFacts:
    requested_at: datetime
    status: str
    decided_at: datetime | None = None
    # Decisions people made on the request ("approve" / "reject").
    decisions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AuditFact:
    actor: str
    action: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    """A message queued to the customer and where its delivery stands (docs/delivery.md):
    `queued` (not delivered yet), `sent` (every channel took it) or `failed` (a channel gave up,
    `last_error` says why)."""

    message_id: int
    queued_at: datetime
    status: str
    attempts: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts:
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
    handoffs: list[HandoffFacts] = field(default_factory=list)
    approvals: list[ApprovalFacts] = field(default_factory=list)
    audit: list[AuditFact] = field(default_factory=list)
    replies: list[ReplyFacts] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
