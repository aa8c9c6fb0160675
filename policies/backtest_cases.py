"""A past case as a backtest reads it, and a decision as a backtest compares it.

`PastCase` is what the CRM recorded when the case decided (the verdict, rule, level and the
facts) and how it ended (the ticket's state, the people's answer to an approval request).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from pydantic import BaseModel

# Verdicts that move no money whatever people do.
NO_MONEY_VERDICTS = frozenset({"deny", "explain", "escalate"})
APPROVAL_VERDICT = "needs_approval"
# An approval people answered with no: the candidate asking them again would get the same no.
REFUSED_APPROVALS = frozenset({"rejected", "expired"})


class Evaluation(Protocol):
    """What the processes' pure evaluations return (RefundDecision, AdjustmentDecision)."""

    @property
    def verdict(self) -> Enum: ...
    @property
    def rule(self) -> str: ...
    @property
    def amount_cents(self) -> int: ...
    @property
    def approval_level(self) -> str | None: ...
    @property
    def required_approvals(self) -> int: ...


class CaseDecision(BaseModel):
    verdict: str
    rule: str
    amount_cents: int = 0
    approval_level: str | None = None
    required_approvals: int = 0

    @classmethod
    def of(cls, decided: Evaluation) -> CaseDecision:
        return cls(
            verdict=str(decided.verdict.value),
            rule=decided.rule,
            amount_cents=decided.amount_cents,
            approval_level=decided.approval_level,
            required_approvals=decided.required_approvals,
        )

    @property
    def label(self) -> str:
        """The decision as a transition names it: `auto_approve`, `needs_approval:dual`, ..."""
        if self.verdict == APPROVAL_VERDICT and self.approval_level:
            return f"{self.verdict}:{self.approval_level}"
        return self.verdict

    @property
    def asks_people(self) -> bool:
        return self.verdict == APPROVAL_VERDICT


class PastCase(BaseModel):
    ticket_id: str
    workflow_id: str | None = None
    process: str
    decided_at: datetime
    policy_version: str | None = None
    decision: CaseDecision
    facts: dict[str, Any]
    # The ticket's status now (`resolved` for a case that paid or answered).
    state: str
    # The last approval request's status, if people were asked.
    approval: str | None = None

    @property
    def moved_cents(self) -> int:
        """Money the case moved: its decided amount, when it paid."""
        if self.state != "resolved" or self.decision.verdict in NO_MONEY_VERDICTS:
            return 0
        return self.decision.amount_cents

    def would_move(self, candidate: CaseDecision) -> int:
        """Money the case would have moved under `candidate`.

        People who refused this case would refuse it again; an amount they approved or that
        was paid without them is paid; a case whose policy said no is assumed to pay when the
        candidate says yes. A case that was allowed to pay but did not (a payment error, an
        approval superseded, still waiting) pays nothing under the candidate either.
        """
        if candidate.verdict in NO_MONEY_VERDICTS or candidate.amount_cents == 0:
            return 0
        if self.approval in REFUSED_APPROVALS:
            return 0 if candidate.asks_people else candidate.amount_cents
        if self.moved_cents > 0 or self.decision.verdict in NO_MONEY_VERDICTS:
            return candidate.amount_cents
        return 0
