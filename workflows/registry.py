"""The support processes, one entry each.

The worker registers every entry's workflow, triage starts an entry as a child when the routing
policy names it, and the API and CLI file tickets and read statuses through it. Adding a process
is its folder under workflows/, its policy file and one entry here.

Entries name their workflow class by import path: the ticket workflow reads this registry to
find its children, so importing every workflow class here would import it from itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from policies.triage_schema import TriageResult
from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundRequest, RefundStatus
from workflows.refund.intake import refund_request
from workflows.ticket.contract import (
    TICKET_WORKFLOW,
    TicketOutcome,
    TicketRequest,
    TicketStatus,
)

ChildInput = Callable[[TicketRequest, TriageResult], BaseModel]


@dataclass(frozen=True)
class ProcessSpec:
    """One support process.

    `name` is how callers and the routing policy name it; `attribute` is its value of the
    Process search attribute; `from_ticket` builds its input from a triaged ticket (None: triage
    cannot start it)."""

    name: str
    title: str
    attribute: str
    workflow_name: str
    workflow_path: str
    request: type[BaseModel]
    status: type[BaseModel]
    outcome: type[BaseModel]
    from_ticket: ChildInput | None = None

    def workflow_class(self) -> type:
        module, _, name = self.workflow_path.partition(":")
        workflow_class: type = getattr(importlib.import_module(module), name)
        return workflow_class


REFUND = ProcessSpec(
    name="refund",
    title="Refund",
    attribute="refund",
    workflow_name=REFUND_WORKFLOW,
    workflow_path="workflows.refund.workflow:RefundWorkflow",
    request=RefundRequest,
    status=RefundStatus,
    outcome=RefundOutcome,
    from_ticket=refund_request,
)
TRIAGE = ProcessSpec(
    name="triage",
    title="Triage",
    attribute="ticket",
    workflow_name=TICKET_WORKFLOW,
    workflow_path="workflows.ticket.workflow:TicketWorkflow",
    request=TicketRequest,
    status=TicketStatus,
    outcome=TicketOutcome,
)

PROCESSES: Mapping[str, ProcessSpec] = {spec.name: spec for spec in (REFUND, TRIAGE)}


def process_named(name: str) -> ProcessSpec | None:
    return PROCESSES.get(name)


def workflow_classes(processes: Mapping[str, ProcessSpec] = PROCESSES) -> list[type]:
    """Every process's workflow class, for a worker to register."""
    return [spec.workflow_class() for spec in processes.values()]
