"""A refund refused because the customer's bank disputes the charge (`charge_disputed`): the
refund case links to the dispute's chargeback case instead of paying, and says so."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing_errors import CHARGE_DISPUTED
    from activities.dispute_models import ChargeDisputeInput
    from activities.disputes import DisputeActivities
    from workflows.case.options import READ_OPTIONS
    from workflows.chargeback.contract import chargeback_workflow_id

LINK_CHARGEBACK_PATCH = "link-chargeback-on-disputed-charge"


def charge_disputed(err: ActivityError) -> bool:
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.type == CHARGE_DISPUTED


async def chargeback_resolution(charge_id: str) -> str:
    """Why no refund was made, naming the chargeback case that settles the money."""
    dispute = await workflow.execute_activity_method(
        DisputeActivities.find_charge_dispute,
        ChargeDisputeInput(charge_id=charge_id),
        summary=f"Find the dispute on {charge_id}",
        **READ_OPTIONS,
    )
    case = chargeback_workflow_id(dispute.dispute_id) if dispute else "no case found yet"
    return (
        f"Charge {charge_id} is disputed by the customer's bank, so it cannot be refunded; "
        f"the chargeback case {case} settles it. No refund was made."
    )
