"""`supportflow backtest`'s work: the candidate policy file, the past cases from the CRM (and
from Temporal histories where the CRM has no facts), and the pure backtest over them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ValidationError
from temporalio.client import Client

from integrations.crm_store.decision_records import DecidedCase
from policies.backtest import BacktestReport, backtest_disputes, backtest_refunds
from policies.backtest_cases import CaseDecision, PastCase
from policies.billing_dispute import BillingDisputePolicy
from policies.refund_policy import RefundPolicy

Process = Literal["refund", "billing_dispute"]
POLICY_MODELS: dict[str, type[RefundPolicy] | type[BillingDisputePolicy]] = {
    "refund": RefundPolicy,
    "billing_dispute": BillingDisputePolicy,
}


# The audit notes each process writes when its policy decides (workflows/*/workflow.py): how a
# case decided before facts were recorded is found, whatever process its ticket names.
DECISION_NOTES: dict[str, tuple[str, ...]] = {
    "refund": ("policy:auto_approve", "policy:needs_approval", "policy:deny"),
    "billing_dispute": (
        "policy:within_auto_adjust_limit",
        "policy:single_approval_required",
        "policy:dual_approval_required",
        "policy:nothing_found",
    ),
}


class DecisionReader(Protocol):
    """What the backtest reads from the CRM store."""

    def decided_cases(self, process: str, since: datetime | None = None) -> list[DecidedCase]: ...

    def cases_without_facts(
        self, process: str, decision_actions: Collection[str], since: datetime | None = None
    ) -> list[DecidedCase]: ...


class CandidateRefused(ValueError):
    """The candidate policy file cannot be read or is not a policy of the process."""


class BacktestRun(BaseModel):
    """The report, plus the cases whose facts neither the CRM nor Temporal could give."""

    report: BacktestReport
    from_history: int = 0
    without_facts: list[str] = []


def load_candidate(path: Path, process: str) -> RefundPolicy | BillingDisputePolicy:
    model = POLICY_MODELS[process]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CandidateRefused(f"cannot read {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise CandidateRefused(f"{path} is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CandidateRefused(
            f"{path} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in err.errors()
        )
        raise CandidateRefused(
            f"{path} is not a valid {process} policy ({err.error_count()} problem(s)): {problems}"
        ) from None


def past_case(case: DecidedCase) -> PastCase:
    assert case.decided_at is not None and case.facts is not None
    return PastCase(
        ticket_id=case.ticket_id,
        workflow_id=case.workflow_id,
        process=case.process,
        decided_at=case.decided_at,
        policy_version=case.policy_version,
        decision=CaseDecision(
            verdict=case.verdict or "",
            rule=case.rule or "",
            amount_cents=case.amount_cents,
            approval_level=case.approval_level,
            required_approvals=case.required_approvals,
        ),
        facts=case.facts,
        state=case.state,
        approval=case.approval,
    )


def run_backtest(
    candidate: RefundPolicy | BillingDisputePolicy,
    cases: Sequence[DecidedCase],
    since: datetime | None = None,
) -> BacktestReport:
    past = [past_case(c) for c in cases]
    if isinstance(candidate, RefundPolicy):
        return backtest_refunds(candidate, past, since)
    return backtest_disputes(candidate, past, since)


async def gather_cases(
    store: DecisionReader,
    process: str,
    since: datetime | None,
    histories: bool,
    connect: Callable[[], Awaitable[Client]] | None = None,
) -> tuple[list[DecidedCase], int, list[str], str | None]:
    """The process's decided cases: from the CRM, plus (with `histories`) those whose facts
    only Temporal has. Returns the cases, how many came from histories, the ticket ids left
    without facts, and why Temporal was not read (None when it was, or was not needed)."""
    cases = store.decided_cases(process, since)
    missing = store.cases_without_facts(process, DECISION_NOTES[process], since)
    if not missing:
        return cases, 0, [], None
    if not histories:
        return cases, 0, [c.ticket_id for c in missing], "--no-histories"
    from worker.backtest_history import facts_from_histories
    from worker.replay import case_workflows
    from worker.temporal_gate import TemporalUnavailable, connect_or_explain

    try:
        client = await (connect or connect_or_explain)()
    except TemporalUnavailable as err:
        return cases, 0, [c.ticket_id for c in missing], str(err)
    found, without = await facts_from_histories(client, missing, case_workflows())
    merged = sorted([*cases, *found], key=lambda c: (c.decided_at or datetime.min, c.ticket_id))
    return merged, len(found), without, None
