"""The visible record of a case: audit notes, state with its search attributes, current details.

Every process keeps the same trail: notes batched into the CRM with each record it writes, a
state that engineers filter on in the Temporal UI, and a markdown summary the UI shows as the
workflow's current details. What differs per process is passed in: which search attributes a
state sets (upserts are workflow commands, so a process keeps the exact order its stored
histories have) and how the details read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from activities.models import AuditEntry, CaseState, RecordedDecision
    from workflows.case.contract import CaseStatus

# Long details (a policy reason, a failure message) are cut so one note never bloats a record.
NOTE_DETAIL_LIMIT = 500

Status = TypeVar("Status", bound=CaseStatus)

SearchAttributesFor = Callable[[CaseState], list[SearchAttributeUpdate[Any]] | None]


class CaseRecord:
    """Notes, audit batches, state and details of one case."""

    def __init__(
        self,
        status: CaseStatus,
        *,
        search_attributes: SearchAttributesFor,
        details: Callable[[], str],
    ) -> None:
        self._status = status
        self._search_attributes = search_attributes
        self._details = details
        self._audit: list[AuditEntry] = []

    def note(
        self, actor: str, action: str, detail: str, decision: RecordedDecision | None = None
    ) -> None:
        """`decision`: on the note of a policy decision, what was decided on (for backtests)."""
        self._audit.append(
            AuditEntry(
                actor=actor,
                action=action,
                detail=detail[:NOTE_DETAIL_LIMIT],
                at=workflow.now(),
                decision=decision,
            )
        )

    def take_audit(self) -> list[AuditEntry]:
        """The notes since the last record written; each note is written once."""
        entries, self._audit = self._audit, []
        return entries

    def set_state(self, state: CaseState) -> None:
        self._status.state = state
        self._status.updated_at = workflow.now()
        updates = self._search_attributes(state)
        if updates:
            workflow.upsert_search_attributes(updates)
        self.show_details()

    def show_details(self) -> None:
        workflow.set_current_details(self._details())


def opened_status(
    status_type: type[Status], *, ticket_id: str, customer_id: str, order_id: str | None
) -> Status:
    """A new case's status: received, under this workflow's id. Each process's status names
    its own `process`, which the shared base leaves to it."""
    return status_type.model_validate(
        {
            "ticket_id": ticket_id,
            "workflow_id": workflow.info().workflow_id,
            "workflow_type": workflow.info().workflow_type,
            "state": "received",
            "customer_id": customer_id,
            "order_id": order_id,
        }
    )
