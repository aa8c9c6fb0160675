"""The one step of a chargeback that answers Stripe: evidence submitted, or the dispute
accepted, exactly once (the key is the case's id and the action, never the attempt)."""

from __future__ import annotations

from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.dispute_models import (
        AcceptDisputeInput,
        DisputeActionResult,
        SubmitEvidenceInput,
    )
    from activities.disputes import DisputeActivities
    from workflows.case.options import MONEY_OPTIONS


async def answer_dispute(
    action: Literal["contest", "accept"], dispute_id: str, evidence: dict[str, str]
) -> DisputeActionResult:
    key = f"{workflow.info().workflow_id}:{action}"
    if action == "contest":
        return await workflow.execute_activity_method(
            DisputeActivities.submit_dispute_evidence,
            SubmitEvidenceInput(dispute_id=dispute_id, idempotency_key=key, evidence=evidence),
            summary="Submit the evidence to Stripe",
            **MONEY_OPTIONS,
        )
    return await workflow.execute_activity_method(
        DisputeActivities.accept_dispute,
        AcceptDisputeInput(dispute_id=dispute_id, idempotency_key=key),
        summary="Accept the dispute in Stripe",
        **MONEY_OPTIONS,
    )
