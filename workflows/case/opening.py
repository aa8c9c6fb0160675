"""Opening a case in the CRM: the ticket row upserted and the customer read, for any process.

Every process's request carries the ticket's fields under the same names; this builds the one
activity input from them, so each process says only which process it is and what it adds.
"""

from __future__ import annotations

from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.models import OpenCaseInput


class FiledTicket(Protocol):
    """The ticket fields every process's request carries."""

    @property
    def ticket_id(self) -> str: ...
    @property
    def customer_id(self) -> str: ...
    @property
    def order_id(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def requested_by(self) -> str: ...


def case_opening(request: FiledTicket, process: str, **extra: Any) -> OpenCaseInput:
    """The CRM's open-case input for this workflow's ticket; `extra` adds what the process
    reads with the customer (its channel, the refund-count window)."""
    return OpenCaseInput(
        ticket_id=request.ticket_id,
        workflow_id=workflow.info().workflow_id,
        process=process,
        customer_id=request.customer_id,
        order_id=request.order_id,
        subject=request.subject,
        body=request.body,
        requested_by=request.requested_by,
        **extra,
    )
