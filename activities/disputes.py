"""Chargeback activities: read a dispute, gather evidence from our records, submit it once or
accept the dispute once, and tell the disputes channel.

Exactly once, as for refunds (GUIDE §3): the workflow mints the key from its id and the step; the
dispute itself is read first and a dispute already carrying our key is the earlier attempt's
result; a POST only starts while the attempt has time to finish it; Stripe errors are mapped in
the one Stripe mapping (activities/billing_errors.py). Synchronous: the SDKs block.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.billing_errors import ATTEMPT_TOO_SHORT, DISPUTE_NOT_RESPONDABLE, stripe_errors
from activities.crm_errors import crm_errors
from activities.dispute_models import (
    AcceptDisputeInput,
    ChargebackEvidence,
    ChargebackNotice,
    ChargeDisputeInput,
    DisputeActionResult,
    DisputeInfo,
    DisputeRef,
    GatherEvidenceInput,
    SubmitEvidenceInput,
)
from activities.slack_errors import slack_errors
from integrations.chargeback_evidence import charge_record
from integrations.crm_store import CrmStore
from integrations.slack_approvals import SlackApprovals
from integrations.stripe_disputes import CLOSED_STATUSES, StripeDispute, StripeDisputes

_DEADLINE_MARGIN_SECONDS = 1.0
_NOTICE_EVENT = "supportflow_chargeback_notice"


class DisputeActivities:
    def __init__(
        self, disputes: StripeDisputes, store: CrmStore, slack: SlackApprovals | None = None
    ) -> None:
        self._disputes = disputes
        self._store = store
        self._slack = slack

    def all(self) -> list[Any]:
        """Every activity here, for a worker to register."""
        return [
            self.get_dispute,
            self.find_charge_dispute,
            self.gather_chargeback_evidence,
            self.submit_dispute_evidence,
            self.accept_dispute,
            self.notify_chargeback_channel,
        ]

    @activity.defn(name="get_dispute")
    def get_dispute(self, data: DisputeRef) -> DisputeInfo:
        with stripe_errors("get_dispute"):
            return _info(self._disputes.get_dispute(data.dispute_id))

    @activity.defn(name="find_charge_dispute")
    def find_charge_dispute(self, data: ChargeDisputeInput) -> DisputeInfo | None:
        """The newest dispute on a charge, if any (a refund refused as `charge_disputed`)."""
        with stripe_errors("list_disputes"):
            found = self._disputes.disputes_on_charge(data.charge_id)
        return _info(found[0]) if found else None

    @activity.defn(name="gather_chargeback_evidence")
    def gather_chargeback_evidence(self, data: GatherEvidenceInput) -> ChargebackEvidence:
        """Evidence fields only from systems of record: the order and its lines, the customer,
        our replies on their tickets, and the policy texts in force."""
        with crm_errors("gather_chargeback_evidence"):
            record = charge_record(self._store, data.charge_id)
        if record is None:
            return ChargebackEvidence(sources=[f"no order paid by {data.charge_id}"])
        amount = f"{data.amount_cents / 100:,.2f} {data.currency.upper()}"
        fields = {
            "customer_name": record.customer_name,
            "customer_email_address": record.customer_email,
            "product_description": "; ".join(record.lines) or f"Order {record.order_id}",
            "receipt": f"Order {record.order_id} placed {record.placed_at:%Y-%m-%d}, "
            f"{record.total_cents / 100:,.2f} {record.currency.upper()}, charge "
            f"{data.charge_id} ({amount} disputed)",
        }
        if record.tickets:
            fields["customer_communication"] = "\n".join(
                f"{t.created_at:%Y-%m-%d} ticket {t.ticket_id} '{t.subject}': "
                + (f"we replied '{'; '.join(t.replies)}'" if t.replies else "no reply yet")
                for t in record.tickets
            )
        if data.refund_policy_text:
            fields["refund_policy"] = data.refund_policy_text
        if data.cancellation_policy_text:
            fields["cancellation_policy"] = data.cancellation_policy_text
        return ChargebackEvidence(
            fields=fields,
            order_id=record.order_id,
            customer_id=record.customer_id,
            ticket_count=len(record.tickets),
            sources=["crm order", "crm customer", f"crm tickets ({len(record.tickets)})"],
        )

    @activity.defn(name="submit_dispute_evidence")
    def submit_dispute_evidence(self, data: SubmitEvidenceInput) -> DisputeActionResult:
        """Submits once per key: a dispute already carrying the key with a submission is the
        first attempt's work; one no longer waiting for us is not ours to submit."""
        started = time.monotonic()
        with stripe_errors("get_dispute"):
            dispute = self._disputes.get_dispute(data.dispute_id)
        if dispute.carries(data.idempotency_key) and dispute.submission_count > 0:
            activity.logger.info("evidence for %s already submitted", dispute.dispute_id)
            return _result(dispute, found_existing=True)
        _require_respondable(dispute)
        self._require_time_for_one_call(started)
        with stripe_errors("submit_dispute_evidence"):
            submitted = self._disputes.submit_evidence(
                data.dispute_id, data.evidence, data.idempotency_key
            )
        activity.logger.info("evidence for %s submitted (%s)", data.dispute_id, submitted.status)
        return _result(submitted, found_existing=False)

    @activity.defn(name="accept_dispute")
    def accept_dispute(self, data: AcceptDisputeInput) -> DisputeActionResult:
        started = time.monotonic()
        with stripe_errors("get_dispute"):
            dispute = self._disputes.get_dispute(data.dispute_id)
        if dispute.carries(data.idempotency_key) and dispute.status in CLOSED_STATUSES:
            return _result(dispute, found_existing=True)
        _require_respondable(dispute)
        self._require_time_for_one_call(started)
        with stripe_errors("accept_dispute"):
            accepted = self._disputes.accept(data.dispute_id, data.idempotency_key)
        activity.logger.info("dispute %s accepted (%s)", data.dispute_id, accepted.status)
        return _result(accepted, found_existing=False)

    @activity.defn(name="notify_chargeback_channel")
    def notify_chargeback_channel(self, data: ChargebackNotice) -> bool:
        """A CRM note always, once per key; Slack too when configured. Returns True if posted."""
        with crm_errors("notify_chargeback_channel"):
            self._store.add_note(data.ticket_id, "supportflow", data.text, data.dedupe_key)
        if self._slack is None or not data.channel:
            return False
        with slack_errors("post chargeback notice", data.channel):
            self._slack.post_once(
                data.channel,
                text=data.text,
                blocks=None,
                event_type=_NOTICE_EVENT,
                request_id=data.dedupe_key,
                ticket_id=data.ticket_id,
                oldest=datetime.now(UTC) - timedelta(days=7),
            )
        return True

    def _require_time_for_one_call(self, started: float) -> None:
        """As for refunds: never start a POST that could still be in flight when Temporal
        starts the next attempt."""
        budget = activity.info().start_to_close_timeout
        if budget is None:
            return
        left = budget.total_seconds() - (time.monotonic() - started)
        needed = 2 * self._disputes.timeout_seconds + _DEADLINE_MARGIN_SECONDS
        if left < needed:
            raise ApplicationError(
                f"only {left:.1f}s of the attempt left, a dispute call needs {needed:.1f}s",
                type=ATTEMPT_TOO_SHORT,
            )


def _require_respondable(dispute: StripeDispute) -> None:
    if not dispute.respondable:
        raise ApplicationError(
            f"dispute {dispute.dispute_id} is {dispute.status}: it no longer takes a response",
            {"status": dispute.status},
            type=DISPUTE_NOT_RESPONDABLE,
            non_retryable=True,
        )


def _info(dispute: StripeDispute) -> DisputeInfo:
    return DisputeInfo(
        dispute_id=dispute.dispute_id,
        charge_id=dispute.charge_id,
        payment_intent_id=dispute.payment_intent_id,
        amount_cents=dispute.amount_cents,
        currency=dispute.currency,
        reason=dispute.reason,
        status=dispute.status,
        due_by=dispute.due_by,
        submission_count=dispute.submission_count,
        respondable=dispute.respondable,
        funds_cents=list(dispute.funds_cents),
    )


def _result(dispute: StripeDispute, *, found_existing: bool) -> DisputeActionResult:
    return DisputeActionResult(
        dispute_id=dispute.dispute_id, status=dispute.status, found_existing=found_existing
    )
