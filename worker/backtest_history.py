"""Decision facts of cases decided before the CRM recorded them, read from Temporal histories.

The case's history is replayed (no activity runs: a replay only matches the commands the code
makes against those recorded) against this checkout's workflow code, which computes the same
facts from the recorded activity results and attaches them to the audit note of the decision;
an outbound interceptor reads them from the input of the activity that would write the audit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.service import RPCError
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartActivityInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from integrations.crm_records import AuditEntry
from integrations.crm_store.decision_records import DecidedCase
from worker.data_converter import data_converter
from workflows.case.contract import case_workflow_id, process_workflow_id

# Decisions seen during a replay, by workflow id (one replay at a time per process).
_SEEN: dict[str, list[AuditEntry]] = {}
# Histories held in memory and replayed together.
BATCH = 100


def _decisions_in(args: Sequence[Any]) -> list[AuditEntry]:
    found: list[AuditEntry] = []
    for arg in args:
        if not isinstance(arg, BaseModel):
            continue
        for value in vars(arg).values():
            if isinstance(value, list):
                found.extend(
                    e for e in value if isinstance(e, AuditEntry) and e.decision is not None
                )
    return found


class _Outbound(WorkflowOutboundInterceptor):
    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        _SEEN.setdefault(workflow.info().workflow_id, []).extend(_decisions_in(input.args))
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        _SEEN.setdefault(workflow.info().workflow_id, []).extend(_decisions_in(input.args))
        return super().start_local_activity(input)


class _Inbound(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_Outbound(outbound))


class _ReadDecisions(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _Inbound


async def decisions_in_histories(
    histories: Sequence[WorkflowHistory],
    workflows: Sequence[type],
    converter: DataConverter | None = None,
) -> dict[str, list[AuditEntry]]:
    """The decision notes the workflow code makes when it replays each history, by workflow
    id. One replayer for all: setting one up costs more than replaying a case. `converter`
    decrypts the payloads (the client's; by default the configured payload keys)."""
    for history in histories:
        _SEEN.pop(history.workflow_id, None)
    replayer = Replayer(
        workflows=list(workflows),
        data_converter=converter or data_converter(),
        interceptors=[_ReadDecisions()],
    )

    async def each() -> AsyncIterator[WorkflowHistory]:
        for history in histories:
            yield history

    async with replayer.workflow_replay_iterator(each()) as results:
        async for _ in results:  # a history that no longer replays has no decision to read
            pass
    return {h.workflow_id: _SEEN.pop(h.workflow_id, []) for h in histories}


async def decisions_in_history(
    history: WorkflowHistory, workflows: Sequence[type]
) -> list[AuditEntry]:
    """The decision notes the workflow code makes when it replays `history`."""
    return (await decisions_in_histories([history], workflows))[history.workflow_id]


def _candidate_ids(case: DecidedCase) -> list[str]:
    """Where the case's decision may be: the workflow the CRM names, else the process a triaged
    ticket started as a child (the current id form, then the one before it)."""
    case_id = case_workflow_id(case.ticket_id)
    ids = [case.workflow_id] if case.workflow_id else []
    ids += [process_workflow_id(case_id, case.process), f"{case_id}-{case.process}"]
    return list(dict.fromkeys(ids))


async def _histories(client: Client, cases: Sequence[DecidedCase]) -> list[WorkflowHistory]:
    found = []
    for case in cases:
        for workflow_id in _candidate_ids(case):
            try:
                found.append(await client.get_workflow_handle(workflow_id).fetch_history())
            except RPCError:
                continue
    return found


async def facts_from_histories(
    client: Client, cases: Sequence[DecidedCase], workflows: Sequence[type]
) -> tuple[list[DecidedCase], list[str]]:
    """The cases with their decision read from Temporal, and the ticket ids of those whose
    history could not be read or has no decision (a case stopped before its policy decided)."""
    found: list[DecidedCase] = []
    missing: list[str] = []
    for start in range(0, len(cases), BATCH):
        batch = cases[start : start + BATCH]
        histories = await _histories(client, batch)
        seen = await decisions_in_histories(histories, workflows, client.data_converter)
        for case in batch:
            decided = next(
                ((wid, seen[wid][0]) for wid in _candidate_ids(case) if seen.get(wid)), None
            )
            decision = decided[1].decision if decided else None
            if decided is None or decision is None:
                missing.append(case.ticket_id)
                continue
            workflow_id, entry = decided
            found.append(
                case.model_copy(
                    update={
                        "workflow_id": workflow_id,
                        "decided_at": entry.at,
                        "verdict": decision.verdict,
                        "rule": decision.rule,
                        "amount_cents": decision.amount_cents,
                        "approval_level": decision.approval_level,
                        "required_approvals": decision.required_approvals,
                        "facts": decision.facts,
                    }
                )
            )
    return found, missing
