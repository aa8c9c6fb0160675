"""The chargeback process as the registry lists it. Stripe's webhook starts it, never triage."""

from __future__ import annotations

from workflows.case.process_spec import ProcessSpec
from workflows.chargeback.contract import (
    CHARGEBACK_WORKFLOW,
    ChargebackOutcome,
    ChargebackRequest,
    ChargebackStatus,
)

CHARGEBACK = ProcessSpec(
    name="chargeback",
    title="Chargeback",
    attribute="chargeback",
    workflow_name=CHARGEBACK_WORKFLOW,
    workflow_path="workflows.chargeback.workflow:ChargebackWorkflow",
    request=ChargebackRequest,
    status=ChargebackStatus,
    outcome=ChargebackOutcome,
)
