"""The refund process as the registry lists it."""

from __future__ import annotations

from workflows.case.process_spec import ProcessSpec
from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundRequest, RefundStatus
from workflows.refund.intake import refund_request

REFUND = ProcessSpec(
    name="refund",
    title="Refund",
    attribute="refund",
    workflow_name=REFUND_WORKFLOW,
    workflow_path="workflows.refund.workflow:RefundWorkflow",
    request=RefundRequest,
    status=RefundStatus,
    filed_as_ticket=True,
    status_kind="case",
    outcome=RefundOutcome,
    from_ticket=refund_request,
)
