"""CRM activities: record what happens to a ticket, and read the customer behind it.

Thin wrappers over `CrmStore`: every store write is idempotent, so Temporal may retry any of
these freely; `crm_errors` decides which failures are worth retrying. Synchronous on purpose
(the store uses blocking drivers): the worker runs them on its activity thread pool.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.crm_errors import crm_errors
from activities.models import (
    ApprovalDecisionRecord,
    ApprovalMessageRecord,
    ApprovalRequestRecord,
    AuditBatch,
    CaseOutcomeRecord,
    CustomerContext,
    OpenCaseInput,
)
from integrations.crm_store import Clock, CrmStore, utc_now


class CrmActivities:
    def __init__(self, store: CrmStore, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    @activity.defn(name="open_case")
    def open_case(self, data: OpenCaseInput) -> CustomerContext:
        """Record the ticket, then load its customer and their recent refunds.

        The ticket is recorded before the customer lookup so that a ticket naming an unknown
        customer is still in the CRM when the workflow escalates it to a human.
        """
        with crm_errors("open_case"):
            self._store.upsert_ticket(
                ticket_id=data.ticket_id,
                customer_id=data.customer_id,
                process=data.process,
                workflow_id=data.workflow_id,
                order_id=data.order_id,
                subject=data.subject,
                body=data.body,
                channel=data.channel,
            )
            customer = self._store.get_customer(data.customer_id)
            if customer is None:
                raise ApplicationError(
                    f"Customer {data.customer_id} is not in the CRM; ticket {data.ticket_id} "
                    "needs a person to identify the customer.",
                    type="CustomerNotFound",
                    non_retryable=True,
                )
            since = self._clock() - timedelta(days=data.refund_count_window_days)
            refunds = self._store.recent_refunds(customer.id, since)
        activity.logger.info(
            "Opened case for ticket %s (customer %s, %d recent refunds)",
            data.ticket_id,
            customer.id,
            len(refunds),
        )
        return CustomerContext(
            customer_id=customer.id,
            name=customer.name,
            email=customer.email,
            tier=customer.tier,
            recent_refund_count=len(refunds),
            recent_refunds=refunds,
        )

    @activity.defn(name="record_approval_request")
    def record_approval_request(self, data: ApprovalRequestRecord) -> None:
        with crm_errors("record_approval_request"):
            self._store.record_approval_request(data)

    @activity.defn(name="set_approval_message")
    def set_approval_message(self, data: ApprovalMessageRecord) -> None:
        with crm_errors("set_approval_message"):
            self._store.set_approval_message(data.request_id, data.ref.channel, data.ref.ts)

    @activity.defn(name="record_approval_decision")
    def record_approval_decision(self, data: ApprovalDecisionRecord) -> None:
        with crm_errors("record_approval_decision"):
            self._store.record_approval_decision(data)

    @activity.defn(name="record_case_outcome")
    def record_case_outcome(self, data: CaseOutcomeRecord) -> None:
        with crm_errors("record_case_outcome"):
            self._store.record_case_outcome(data)

    @activity.defn(name="record_audit")
    def record_audit(self, data: AuditBatch) -> None:
        with crm_errors("record_audit"):
            self._store.record_audit(
                data.ticket_id, data.workflow_id, data.entries, data.policy_version, data.dedupe_key
            )
