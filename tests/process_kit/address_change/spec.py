"""The example process as a registry entry."""

from __future__ import annotations

from tests.process_kit.address_change.contract import (
    ADDRESS_CHANGE_WORKFLOW,
    AddressChangeOutcome,
    AddressChangeRequest,
    AddressChangeStatus,
)
from workflows.case.process_spec import ProcessSpec

ADDRESS_CHANGE = ProcessSpec(
    name="address_change",
    title="Address change",
    attribute="address_change",
    workflow_name=ADDRESS_CHANGE_WORKFLOW,
    workflow_path="tests.process_kit.address_change.workflow:AddressChangeWorkflow",
    request=AddressChangeRequest,
    status=AddressChangeStatus,
    outcome=AddressChangeOutcome,
)
