"""The billing-dispute process as the registry lists it."""

from __future__ import annotations

from workflows.billing_dispute.contract import (
    BILLING_DISPUTE_WORKFLOW,
    BillingDisputeOutcome,
    BillingDisputeRequest,
    BillingDisputeStatus,
)
from workflows.billing_dispute.intake import billing_dispute_request
from workflows.case.process_spec import ProcessSpec

BILLING_DISPUTE = ProcessSpec(
    name="billing_dispute",
    title="Billing dispute",
    attribute="billing_dispute",
    workflow_name=BILLING_DISPUTE_WORKFLOW,
    workflow_path="workflows.billing_dispute.workflow:BillingDisputeWorkflow",
    request=BillingDisputeRequest,
    status=BillingDisputeStatus,
    outcome=BillingDisputeOutcome,
    from_ticket=billing_dispute_request,
    # A helpdesk may name it when it files a complaint (`"process": "billing_dispute"`).
    filed_as_ticket=True,
)
