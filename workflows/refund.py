"""RefundWorkflow: one refund case for one ticket, from facts to money to reply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.commerce import CommerceActivities
    from activities.crm import CrmActivities
    from activities.models import (
        ApprovalNotice,
        ApprovalRequestRecord,
        AuditEntry,
        CaseOutcomeRecord,
        CaseState,
        ChargeState,
        ChargeStateInput,
        CustomerContext,
        CustomerReply,
        IssueRefundInput,
        LoadOrderInput,
        OpenCaseInput,
        OrderInfo,
        PolicyLoadInput,
        RefundResult,
    )
    from activities.policy import PolicyActivities
    from policies.loader import PolicySnapshot
    from policies.refund_policy import Outcome, RefundDecision, RefundFacts, evaluate_refund
    from workflows import refund_replies
    from workflows.approval import ApprovalGate
    from workflows.approval_step import RECORD_OPTIONS, ApprovalStep
    from workflows.models import (
        DECIDE_APPROVAL_UPDATE,
        REFUND_WORKFLOW,
        STATUS_QUERY,
        ApprovalDecision,
        ApprovalReceipt,
        CaseStatus,
        PendingApproval,
        RefundOutcome,
        RefundRequest,
    )
    from workflows.search_attributes import AMOUNT_CENTS, CASE_STATE, CUSTOMER_ID, PROCESS

# Reads are idempotent and fast: local activities keep them out of the event history.
READ_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=15),
    retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30), maximum_attempts=20),
)
# Money and records: regular activities, retried by Temporal until they succeed or fail for good.
MONEY_OPTIONS: dict[str, Any] = dict(
    start_to_close_timeout=timedelta(seconds=15),
    schedule_to_close_timeout=timedelta(days=2),
    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
)


class CaseStop(Exception):
    """Ends the case early (escalation or a non-retryable lookup failure) with a clear reason."""

    def __init__(self, state: CaseState, reason: str) -> None:
        super().__init__(reason)
        self.state: CaseState = state
        self.reason = reason


def _failure_reason(err: ActivityError | ApplicationError) -> str:
    # Local activity failures can surface as the ApplicationError itself, not wrapped.
    cause = err if isinstance(err, ApplicationError) else err.cause
    if isinstance(cause, ApplicationError):
        return f"{cause.type}: {cause.message}"
    return str(cause or err)


@workflow.defn(name=REFUND_WORKFLOW)
class RefundWorkflow:
    """Refunds one ticket's order: reads the customer, order and charge from systems of record,
    lets the versioned refund policy decide, waits for human approval where the policy says,
    refunds exactly once, then records the outcome and queues the customer reply."""

    @workflow.init
    def __init__(self, request: RefundRequest) -> None:
        self._request = request
        self._gate = ApprovalGate()
        self._audit: list[AuditEntry] = []
        self._written_audit = 0
        self._recorded_decisions = 0
        self._status = CaseStatus(
            ticket_id=request.ticket_id,
            workflow_id=workflow.info().workflow_id,
            state="received",
            customer_id=request.customer_id,
            order_id=request.order_id,
        )

    @workflow.query(name=STATUS_QUERY)
    def status(self) -> CaseStatus:
        return self._status

    @workflow.update(name=DECIDE_APPROVAL_UPDATE)
    def decide_approval(self, decision: ApprovalDecision) -> ApprovalReceipt:
        receipt = self._gate.apply(decision, workflow.now())
        self._note(
            decision.approver,
            "approved" if decision.decision == "approve" else "rejected",
            decision.reason or "",
        )
        self._status.pending_approval = self._gate.pending
        return receipt

    @decide_approval.validator
    def _validate_decision(self, decision: ApprovalDecision) -> None:
        self._gate.validate(decision)

    @workflow.run
    async def run(self, request: RefundRequest) -> RefundOutcome:
        snapshot: PolicySnapshot | None = None
        customer: CustomerContext | None = None
        try:
            snapshot = await self._load_policy()
            customer = await self._open_case(snapshot)
            order = await self._load_order()
            charge = await self._load_charge(order)
            decision = self._evaluate(snapshot, customer, order, charge)
            outcome = await self._carry_out(decision, snapshot, customer, order)
        except CaseStop as stop:
            outcome = await self._finish(
                stop.state, stop.reason, snapshot, customer, reply_kind="escalated"
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return outcome

    # -- facts -------------------------------------------------------------------------------

    async def _load_policy(self) -> PolicySnapshot:
        self._set_state("evaluating")
        return await workflow.execute_local_activity_method(
            PolicyActivities.load_refund_policy, PolicyLoadInput(), **READ_OPTIONS
        )

    async def _open_case(self, snapshot: PolicySnapshot) -> CustomerContext:
        req = self._request
        try:
            return await workflow.execute_local_activity_method(
                CrmActivities.open_case,
                OpenCaseInput(
                    ticket_id=req.ticket_id,
                    workflow_id=workflow.info().workflow_id,
                    process="refund",
                    customer_id=req.customer_id,
                    order_id=req.order_id,
                    subject=req.subject,
                    body=req.body,
                    requested_by=req.requested_by,
                    refund_count_window_days=snapshot.policy.refund_count_window_days,
                ),
                summary="Open case in CRM",
                **READ_OPTIONS,
            )
        except (ActivityError, ApplicationError) as err:
            raise CaseStop(
                "escalated", f"Could not load the customer: {_failure_reason(err)}"
            ) from None

    async def _load_order(self) -> OrderInfo:
        if self._request.order_id is None:
            raise CaseStop("escalated", "The ticket names no order, so there is nothing to refund.")
        try:
            return await workflow.execute_local_activity_method(
                CommerceActivities.load_order,
                LoadOrderInput(
                    order_id=self._request.order_id, customer_id=self._request.customer_id
                ),
                summary="Load order",
                **READ_OPTIONS,
            )
        except (ActivityError, ApplicationError) as err:
            raise CaseStop(
                "escalated", f"Could not load the order: {_failure_reason(err)}"
            ) from None

    async def _load_charge(self, order: OrderInfo) -> ChargeState:
        if not order.charge_id:
            raise CaseStop("escalated", f"Order {order.order_id} has no card payment to refund.")
        try:
            return await workflow.execute_local_activity_method(
                BillingActivities.get_charge_state,
                ChargeStateInput(charge_id=order.charge_id),
                summary="Read charge from Stripe",
                **READ_OPTIONS,
            )
        except (ActivityError, ApplicationError) as err:
            raise CaseStop(
                "escalated", f"Could not read the charge: {_failure_reason(err)}"
            ) from None

    def _evaluate(
        self,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
        charge: ChargeState,
    ) -> RefundDecision:
        facts = RefundFacts(
            customer_tier=customer.tier,
            order_placed_at=order.placed_at,
            charge_amount_cents=charge.amount_cents,
            already_refunded_cents=charge.amount_refunded_cents,
            requested_amount_cents=self._request.requested_amount_cents,
            recent_refund_count=customer.recent_refund_count,
            now=workflow.now(),
        )
        decision = evaluate_refund(snapshot.policy, facts)
        self._status.policy_version = snapshot.version_tag
        self._status.decision_rule = decision.rule
        self._status.decision_reason = decision.reason
        self._status.amount_cents = decision.amount_cents or None
        self._status.currency = charge.currency
        self._note(
            "policy", f"policy:{decision.outcome.value}", f"{decision.rule}: {decision.reason}"
        )
        workflow.logger.info(
            "Policy %s decided %s (%s)", snapshot.version_tag, decision.outcome, decision.rule
        )
        return decision

    # -- decision ----------------------------------------------------------------------------

    async def _carry_out(
        self,
        decision: RefundDecision,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
    ) -> RefundOutcome:
        assert order.charge_id is not None
        if decision.outcome is Outcome.DENY:
            return await self._finish(
                "denied", decision.reason, snapshot, customer, reply_kind="denied"
            )
        approval_id: str | None = None
        if decision.outcome is Outcome.NEEDS_APPROVAL:
            approval_id = await self._await_approval(decision, snapshot, customer, order)
            if self._gate.status == "rejected":
                rejection = self._gate.rejection
                reason = rejection.reason if rejection else None
                by = rejection.approver if rejection else "approver"
                return await self._finish(
                    "rejected",
                    f"Rejected by {by}" + (f": {reason}" if reason else ""),
                    snapshot,
                    customer,
                    reply_kind="rejected",
                    reviewer_reason=reason,
                )
            if self._gate.status == "expired":
                return await self._finish(
                    "expired",
                    "Approval expired without a decision; escalated to support leads. No refund.",
                    snapshot,
                    customer,
                    reply_kind="escalated",
                )
        try:
            refund = await self._issue_refund(decision, order, approval_id)
        except ActivityError as err:
            # Only non-retryable failures get here (declined, over-refund, auth): no money moved.
            raise CaseStop(
                "escalated", f"The refund could not be issued: {_failure_reason(err)}"
            ) from None
        return await self._finish(
            "resolved",
            f"Refunded {refund.amount_cents} {refund.currency} ({refund.refund_id}).",
            snapshot,
            customer,
            reply_kind="refunded",
            refund=refund,
        )

    async def _issue_refund(
        self, decision: RefundDecision, order: OrderInfo, approval_id: str | None
    ) -> RefundResult:
        assert order.charge_id is not None
        self._set_state("refunding")
        workflow_id = workflow.info().workflow_id
        refund = await workflow.execute_activity_method(
            BillingActivities.issue_refund,
            IssueRefundInput(
                # Bound to the case and the step, never the attempt: a retry finds the first refund.
                idempotency_key=f"{workflow_id}:refund",
                charge_id=order.charge_id,
                amount_cents=decision.amount_cents,
                currency=self._status.currency or order.currency,
                ticket_id=self._request.ticket_id,
                workflow_id=workflow_id,
                approval_request_id=approval_id,
            ),
            summary=f"Refund {decision.amount_cents} cents on {order.charge_id}",
            **MONEY_OPTIONS,
        )
        self._status.refund_id = refund.refund_id
        self._note(
            "billing",
            "refund_issued",
            f"{refund.refund_id} {refund.amount_cents} {refund.currency}"
            + (" (found existing)" if refund.found_existing else ""),
        )
        return refund

    # -- approval ----------------------------------------------------------------------------

    async def _await_approval(
        self,
        decision: RefundDecision,
        snapshot: PolicySnapshot,
        customer: CustomerContext,
        order: OrderInfo,
    ) -> str:
        policy = snapshot.policy
        level = policy.level(decision.approval_level or policy.single_approval.name)
        now = workflow.now()
        remind_at = now + timedelta(hours=policy.approval_reminder_after_hours)
        expires_at = now + timedelta(hours=policy.approval_expiry_hours)
        request_id = str(workflow.uuid4())
        pending = PendingApproval(
            request_id=request_id,
            level=level.name,
            amount_cents=decision.amount_cents,
            currency=self._status.currency or order.currency,
            charge_id=order.charge_id or "",
            required_approvals=level.required_approvals,
            approvers=[a.id for a in level.approvers],
            requested_by=self._request.requested_by,
            rule=decision.rule,
            reason=decision.reason,
            expires_at=expires_at,
        )
        self._gate.open(pending)
        self._status.pending_approval = pending
        self._set_state("awaiting_approval")
        workflow_id = workflow.info().workflow_id
        self._note(
            "policy",
            "approval_requested",
            f"{level.name} approval ({level.required_approvals}) for "
            f"{decision.amount_cents} cents, request {request_id}",
        )
        await workflow.execute_activity_method(
            CrmActivities.record_approval_request,
            ApprovalRequestRecord(
                ticket_id=self._request.ticket_id,
                workflow_id=workflow_id,
                request_id=request_id,
                level=level.name,
                amount_cents=decision.amount_cents,
                currency=pending.currency,
                required_approvals=level.required_approvals,
                approvers=pending.approvers,
                requested_by=pending.requested_by,
                rule=decision.rule,
                reason=decision.reason,
                expires_at=expires_at,
                policy_version=snapshot.version_tag,
                audit=self._take_audit(),
            ),
            summary="Record approval request",
            **RECORD_OPTIONS,
        )
        notice = ApprovalNotice(
            ticket_id=self._request.ticket_id,
            workflow_id=workflow_id,
            request_id=request_id,
            level=level.name,
            channel=level.slack_channel,
            approver_slack_ids=[a.slack_user_id for a in level.approvers if a.slack_user_id],
            approver_user_group=level.slack_user_group,
            customer_id=customer.customer_id,
            customer_name=customer.name,
            customer_tier=customer.tier,
            subject=self._request.subject,
            order_id=order.order_id,
            amount_cents=decision.amount_cents,
            currency=pending.currency,
            refundable_cents=decision.refundable_cents,
            rule=decision.rule,
            reason=decision.reason,
            recommended_action=f"Approve a refund of {decision.amount_cents / 100:,.2f} "
            f"{pending.currency.upper()} to the original payment method.",
            recent_refunds=customer.recent_refunds,
            required_approvals=level.required_approvals,
            expires_at=expires_at,
        )
        await ApprovalStep(self._gate, notice, self._note).run(
            remind_at, expires_at, policy.escalation_level
        )
        return request_id

    # -- records -----------------------------------------------------------------------------

    async def _finish(
        self,
        state: CaseState,
        resolution: str,
        snapshot: PolicySnapshot | None,
        customer: CustomerContext | None,
        *,
        reply_kind: str,
        refund: RefundResult | None = None,
        reviewer_reason: str | None = None,
    ) -> RefundOutcome:
        self._status.resolution = resolution
        self._status.pending_approval = (
            None if state != "expired" else self._status.pending_approval
        )
        self._set_state(state)
        self._note("workflow", f"case_{state}", resolution)
        reply = refund_replies.with_card_notice(
            self._reply(reply_kind, customer, resolution, refund, reviewer_reason),
            self._request.card_data_removed,
        )
        version = snapshot.version_tag if snapshot else None
        await workflow.execute_activity_method(
            CrmActivities.record_case_outcome,
            CaseOutcomeRecord(
                ticket_id=self._request.ticket_id,
                workflow_id=workflow.info().workflow_id,
                customer_id=customer.customer_id if customer else None,
                order_id=self._request.order_id,
                status=state,
                resolution=resolution,
                policy_version=version,
                refund=refund,
                audit=self._take_audit(),
                reply=reply,
            ),
            summary=f"Record outcome: {state}",
            **RECORD_OPTIONS,
        )
        return RefundOutcome(
            ticket_id=self._request.ticket_id,
            state=state,
            resolution=resolution,
            refund_id=refund.refund_id if refund else None,
            amount_cents=refund.amount_cents if refund else None,
            policy_version=version,
        )

    def _reply(
        self,
        kind: str,
        customer: CustomerContext | None,
        resolution: str,
        refund: RefundResult | None,
        reviewer_reason: str | None,
    ) -> CustomerReply | None:
        if customer is None:
            return None  # Unknown customer: there is nobody to write to; a person takes over.
        ticket, name = self._request.ticket_id, customer.name
        if kind == "refunded" and refund is not None:
            return refund_replies.refunded(ticket, name, refund.amount_cents, refund.currency)
        if kind == "denied":
            return refund_replies.denied(ticket, name, resolution)
        if kind == "rejected":
            return refund_replies.rejected(ticket, name, reviewer_reason)
        return refund_replies.escalated(ticket, name)

    # -- visibility --------------------------------------------------------------------------

    def _note(self, actor: str, action: str, detail: str) -> None:
        self._audit.append(AuditEntry(actor=actor, action=action, detail=detail, at=workflow.now()))

    def _take_audit(self) -> list[AuditEntry]:
        entries = self._audit[self._written_audit :]
        self._written_audit = len(self._audit)
        return entries

    def _set_state(self, state: CaseState) -> None:
        self._status.state = state
        self._status.updated_at = workflow.now()
        updates: list[SearchAttributeUpdate[Any]] = [
            CASE_STATE.value_set(state),
            PROCESS.value_set("refund"),
            CUSTOMER_ID.value_set(self._request.customer_id),
        ]
        if self._status.amount_cents is not None:
            updates.append(AMOUNT_CENTS.value_set(self._status.amount_cents))
        if state not in ("evaluating",):
            workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details_markdown())

    def _details_markdown(self) -> str:
        s = self._status
        lines = [f"**Refund case** · ticket `{s.ticket_id}` · **{s.state.replace('_', ' ')}**"]
        if s.amount_cents is not None and s.currency:
            lines.append(f"- Amount: {s.amount_cents / 100:,.2f} {s.currency.upper()}")
        if s.decision_rule:
            lines.append(
                f"- Policy `{s.policy_version}`: `{s.decision_rule}` — {s.decision_reason}"
            )
        if s.pending_approval and s.state == "awaiting_approval":
            p = s.pending_approval
            lines.append(
                f"- Waiting for {p.level} approval ({len(p.approved_by)}/{p.required_approvals})"
                f" from {', '.join(p.approvers)} until {p.expires_at:%Y-%m-%d %H:%M} UTC"
            )
        if s.refund_id:
            lines.append(f"- Stripe refund: `{s.refund_id}`")
        if s.resolution:
            lines.append(f"- Resolution: {s.resolution}")
        return "\n".join(lines)
