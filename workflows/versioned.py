"""Each process's workflow as a versioned worker registers it: same name, same code, plus how its
running cases move between builds under Worker Versioning (docs/operations.md, "Safe deploys").

- PINNED: a case finishes on the build it started on. For the money processes whose cases end
  within the approval expiry (refund, billing dispute): between an approval and the payment the
  code never changes, and a deploy needs no `workflow.patched` for them; the old build keeps
  running until its pinned cases drain.
- AUTO_UPGRADE: a case moves to the current build at its next workflow task. For cases that can
  stay open for weeks (a triaged ticket with its hand-off, a chargeback waiting on the card
  network, an onboarding waiting on the customer): keeping old builds alive that long is not
  practical, so changes to them stay behind `workflow.patched` and `supportflow replay --all`.

An unversioned worker (no deployment configured: `make run`, tests) registers the plain classes;
the SDK refuses a versioning behaviour on a worker without a deployment.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.common import VersioningBehavior

with workflow.unsafe.imports_passed_through():
    from activities.help_center_models import HelpCenterBatch, HelpCenterBatchResult
    from workflows.billing_dispute.contract import (
        BILLING_DISPUTE_WORKFLOW,
        BillingDisputeOutcome,
        BillingDisputeRequest,
    )
    from workflows.billing_dispute.workflow import BillingDisputeWorkflow
    from workflows.chargeback.contract import (
        CHARGEBACK_WORKFLOW,
        ChargebackOutcome,
        ChargebackRequest,
    )
    from workflows.chargeback.workflow import ChargebackWorkflow
    from workflows.delivery.contract import DELIVERY_WORKFLOW, DeliveryOutcome, DeliveryRequest
    from workflows.delivery.workflow import DeliveryWorkflow
    from workflows.help_center.contract import HELP_CENTER_INGEST_WORKFLOW
    from workflows.help_center.workflow import HelpCenterIngestWorkflow
    from workflows.onboarding.contract import (
        ONBOARDING_WORKFLOW,
        OnboardingOutcome,
        OnboardingRequest,
    )
    from workflows.onboarding.workflow import OnboardingWorkflow
    from workflows.refund.contract import REFUND_WORKFLOW, RefundOutcome, RefundRequest
    from workflows.refund.workflow import RefundWorkflow
    from workflows.ticket.contract import TICKET_WORKFLOW, TicketOutcome, TicketRequest
    from workflows.ticket.workflow import TicketWorkflow

PINNED, AUTO_UPGRADE = VersioningBehavior.PINNED, VersioningBehavior.AUTO_UPGRADE


@workflow.defn(name=REFUND_WORKFLOW, versioning_behavior=PINNED)
class VersionedRefundWorkflow(RefundWorkflow):
    """RefundWorkflow, pinned to the build a case started on."""

    @workflow.run
    async def run(self, request: RefundRequest) -> RefundOutcome:
        return await super().run(request)


@workflow.defn(name=BILLING_DISPUTE_WORKFLOW, versioning_behavior=PINNED)
class VersionedBillingDisputeWorkflow(BillingDisputeWorkflow):
    """BillingDisputeWorkflow, pinned to the build a case started on."""

    @workflow.run
    async def run(self, request: BillingDisputeRequest) -> BillingDisputeOutcome:
        return await super().run(request)


@workflow.defn(name=TICKET_WORKFLOW, versioning_behavior=AUTO_UPGRADE)
class VersionedTicketWorkflow(TicketWorkflow):
    """TicketWorkflow, moved to the current build at its next task."""

    @workflow.run
    async def run(self, request: TicketRequest) -> TicketOutcome:
        return await super().run(request)


@workflow.defn(name=CHARGEBACK_WORKFLOW, versioning_behavior=AUTO_UPGRADE)
class VersionedChargebackWorkflow(ChargebackWorkflow):
    """ChargebackWorkflow, moved to the current build at its next task."""

    @workflow.run
    async def run(self, request: ChargebackRequest) -> ChargebackOutcome:
        return await super().run(request)


@workflow.defn(name=ONBOARDING_WORKFLOW, versioning_behavior=AUTO_UPGRADE)
class VersionedOnboardingWorkflow(OnboardingWorkflow):
    """OnboardingWorkflow, moved to the current build at its next task."""

    @workflow.run
    async def run(self, request: OnboardingRequest) -> OnboardingOutcome:
        return await super().run(request)


@workflow.defn(name=DELIVERY_WORKFLOW, versioning_behavior=AUTO_UPGRADE)
class VersionedDeliveryWorkflow(DeliveryWorkflow):
    """DeliveryWorkflow (one per ticket, open as long as its ticket has replies to send), moved
    to the current build at its next task."""

    @workflow.run
    async def run(self, request: DeliveryRequest) -> DeliveryOutcome:
        return await super().run(request)


@workflow.defn(name=HELP_CENTER_INGEST_WORKFLOW, versioning_behavior=AUTO_UPGRADE)
class VersionedHelpCenterIngestWorkflow(HelpCenterIngestWorkflow):
    """HelpCenterIngestWorkflow (one activity, seconds long), moved to the current build at its
    next task: nothing in it depends on the build it started on."""

    @workflow.run
    async def run(self, batch: HelpCenterBatch) -> HelpCenterBatchResult:
        return await super().run(batch)


VERSIONED_WORKFLOWS: dict[str, type] = {
    REFUND_WORKFLOW: VersionedRefundWorkflow,
    BILLING_DISPUTE_WORKFLOW: VersionedBillingDisputeWorkflow,
    TICKET_WORKFLOW: VersionedTicketWorkflow,
    CHARGEBACK_WORKFLOW: VersionedChargebackWorkflow,
    ONBOARDING_WORKFLOW: VersionedOnboardingWorkflow,
    DELIVERY_WORKFLOW: VersionedDeliveryWorkflow,
    HELP_CENTER_INGEST_WORKFLOW: VersionedHelpCenterIngestWorkflow,
}
