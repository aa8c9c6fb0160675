"""CRM activities: record what happens to a ticket, and read the customer behind it.

Thin wrappers over `CrmStore`: every store write is idempotent, so Temporal may retry any of
these freely; `crm_errors` decides which failures are worth retrying. Synchronous on purpose
(the store uses blocking drivers): Temporal runs them on the activity thread pool.
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
    HoldOrderInput,
    OpenCaseInput,
    OrderHoldResult,
    ReleaseOrderHoldInput,
)
from integrations.card_numbers import redact_fields
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
        # Intake already removed card numbers; a case started some other way must not store one.
        data = redact_fields(data, ("subject", "body"))
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

    @activity.defn(name="hold_order_for_money")
    def hold_order_for_money(self, data: HoldOrderInput) -> OrderHoldResult:
        """Hold the order so no other case moves money on it, or name the case that holds it.

        Idempotent for the same workflow (a retry renews the hold). The customer's other open
        money cases are read in a second transaction, after the hold is committed: read inside
        the hold's transaction, two cases of one customer starting at once could each miss the
        other on PostgreSQL.
        """
        with crm_errors("hold_order_for_money"):
            result = self._store.hold_order(
                order_id=data.order_id,
                workflow_id=data.workflow_id,
                ticket_id=data.ticket_id,
                customer_id=data.customer_id,
                process=data.process,
                amount_cents=data.amount_cents,
                now=self._clock(),
                stale_after=timedelta(hours=data.stale_after_hours),
            )
            count, cents, adjusted = (0, 0, 0)
            if result.held:
                count, cents = self._store.money_in_flight_for_customer(
                    data.customer_id, data.workflow_id
                )
                if data.adjusted_since is not None and data.charge_id:
                    adjusted = self._store.adjusted_elsewhere_on_order(
                        data.order_id, data.charge_id, data.adjusted_since, data.workflow_id
                    )
        if result.taken_over_from:
            activity.logger.warning(
                "Order %s: took over the stale money hold of %s for %s",
                data.order_id,
                result.taken_over_from,
                data.workflow_id,
            )
        elif not result.held:
            activity.logger.info(
                "Order %s is held by %s (ticket %s); %s may not move money on it",
                data.order_id,
                result.holder_workflow_id,
                result.holder_ticket_id,
                data.workflow_id,
            )
        return OrderHoldResult(
            held=result.held,
            holder_ticket_id=result.holder_ticket_id,
            holder_workflow_id=result.holder_workflow_id,
            holder_process=result.holder_process,
            taken_over_from_workflow_id=result.taken_over_from,
            in_flight_refund_count=count,
            in_flight_cents=cents,
            adjusted_elsewhere_cents=adjusted,
        )

    @activity.defn(name="release_order_hold")
    def release_order_hold(self, data: ReleaseOrderHoldInput) -> None:
        """Release the order if this case holds it; repeating it (or releasing a hold taken
        over by another case) changes nothing."""
        with crm_errors("release_order_hold"):
            self._store.release_order_hold(data.order_id, data.workflow_id)
