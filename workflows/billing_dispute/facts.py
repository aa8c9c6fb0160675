"""The facts a billing complaint is decided on, read from the systems of record: the policy, the
customer (opening the case in the CRM), their Stripe billing history, the totals of the orders
the charges name, and each wrong charge as Stripe sees it now. Reads are local activities; a
read that fails for good stops the case with the reason, as a person must look at it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.billing import BillingActivities
    from activities.billing_history import BillingHistoryActivities, BillingHistoryInput
    from activities.commerce import CommerceActivities
    from activities.crm import CrmActivities
    from activities.models import (
        ChargeState,
        ChargeStateInput,
        CustomerContext,
        LoadOrderInput,
        ProcessPolicyInput,
        RecordedDecision,
    )
    from activities.policy import PolicyActivities
    from policies.billing_discrepancies import Discrepancy
    from policies.billing_dispute import POLICY_NAME, AdjustmentDecision, BillingDisputePolicy
    from policies.billing_history import BillingHistory
    from policies.decision_facts import dispute_case_facts
    from policies.dispute_refind import RecordedBilling, bound_findings
    from workflows.billing_dispute.contract import BillingDisputeRequest
    from workflows.case.failures import CaseStop, failure_reason
    from workflows.case.opening import case_opening
    from workflows.case.options import READ_OPTIONS

# Order totals are read for at most this many orders named by charges in the window.
MAX_ORDERS_READ = 20


async def load_policy() -> tuple[BillingDisputePolicy, str]:
    document = await workflow.execute_local_activity_method(
        PolicyActivities.load_process_policy,
        ProcessPolicyInput(name=POLICY_NAME),
        summary="Load billing-dispute policy",
        **READ_OPTIONS,
    )
    return BillingDisputePolicy.model_validate(document.data), document.version_tag


async def open_dispute_case(request: BillingDisputeRequest) -> CustomerContext:
    try:
        return await workflow.execute_local_activity_method(
            CrmActivities.open_case,
            case_opening(request, "billing_dispute", channel=request.channel),
            summary="Open case in CRM",
            **READ_OPTIONS,
        )
    except (ActivityError, ApplicationError) as err:
        raise CaseStop("escalated", f"Could not load the customer: {failure_reason(err)}") from None


async def load_history(customer: CustomerContext, since: datetime) -> BillingHistory:
    try:
        return await workflow.execute_local_activity_method(
            BillingHistoryActivities.load_billing_history,
            BillingHistoryInput(customer_email=customer.email, since=since),
            summary="Read charges, invoices and subscriptions from Stripe",
            **READ_OPTIONS,
        )
    except (ActivityError, ApplicationError) as err:
        raise CaseStop(
            "escalated", f"Could not read the billing history: {failure_reason(err)}"
        ) from None


async def order_totals(history: BillingHistory, customer_id: str) -> dict[str, int]:
    """Totals of the orders the charges name; an order the commerce system does not have (or
    not for this customer) has no total, so no charge is compared with it."""
    names = list(dict.fromkeys(c.order_id for c in history.charges if c.order_id))
    totals: dict[str, int] = {}
    for order_id in names[:MAX_ORDERS_READ]:
        try:
            order = await workflow.execute_local_activity_method(
                CommerceActivities.load_order,
                LoadOrderInput(order_id=order_id, customer_id=customer_id),
                summary=f"Load order {order_id}",
                **READ_OPTIONS,
            )
        except (ActivityError, ApplicationError) as err:
            workflow.logger.info("order %s not compared: %s", order_id, failure_reason(err))
            continue
        totals[order.order_id] = order.total_cents
    return totals


async def charges_now(
    findings: Sequence[Discrepancy], refunds_since: datetime
) -> dict[str, ChargeState]:
    """Each wrong charge as Stripe sees it now, with what was refunded on it within the
    cumulative window (by any process): what bounds and counts against the adjustment."""
    states: dict[str, ChargeState] = {}
    for charge_id in dict.fromkeys(f.charge_id for f in findings):
        try:
            states[charge_id] = await workflow.execute_local_activity_method(
                BillingActivities.get_charge_state,
                ChargeStateInput(charge_id=charge_id, refunds_since=refunds_since),
                summary=f"Read charge {charge_id}",
                **READ_OPTIONS,
            )
        except (ActivityError, ApplicationError) as err:
            raise CaseStop(
                "escalated", f"Could not read charge {charge_id}: {failure_reason(err)}"
            ) from None
    return states


def bounded(findings: list[Discrepancy], states: dict[str, ChargeState]) -> list[Discrepancy]:
    """Each finding bounded by what its charge still allows now; fully refunded ones drop out."""
    return bound_findings(findings, charge_left(states))


def charge_left(states: dict[str, ChargeState]) -> dict[str, int]:
    return {
        charge_id: max(state.amount_cents - state.amount_refunded_cents, 0)
        for charge_id, state in states.items()
    }


def prior_in_window(
    states: dict[str, ChargeState], history: BillingHistory | None, since: datetime
) -> int:
    """Refunds on the wrong charges within the window, by any process, and what we credited."""
    prior = sum(state.refunded_since_cents or 0 for state in states.values())
    return prior + (history.credited_by_us_since(since) if history is not None else 0)


def less_paid_meanwhile(
    findings: list[Discrepancy], before: dict[str, ChargeState], after: dict[str, ChargeState]
) -> list[Discrepancy]:
    """The findings less what was refunded on their charges between two reads (a person
    paying a charge back in Stripe while the approval waited); those paid in full drop out.
    A balance credit has no charge to refuse it, so this is what keeps it from paying twice."""
    meanwhile = {
        charge_id: max(after[charge_id].amount_refunded_cents - state.amount_refunded_cents, 0)
        for charge_id, state in before.items()
    }
    kept = []
    for finding in findings:
        paid = min(meanwhile.get(finding.charge_id, 0), finding.excess_cents)
        meanwhile[finding.charge_id] = meanwhile.get(finding.charge_id, 0) - paid
        if finding.excess_cents > paid:
            kept.append(finding.model_copy(update={"excess_cents": finding.excess_cents - paid}))
    return kept


def nothing_found_record(
    policy: BillingDisputePolicy,
    request: BillingDisputeRequest,
    now: datetime,
    billing: RecordedBilling | None = None,
) -> RecordedDecision:
    """The decision that nothing was charged wrongly, as the CRM records it for backtests."""
    facts = dispute_case_facts(policy, request.customer_id, now, [], billing=billing)
    return RecordedDecision(
        process="billing_dispute",
        verdict=policy.nothing_found,
        rule="nothing_found",
        facts=facts.model_dump(mode="json"),
    )


def adjustment_record(
    policy: BillingDisputePolicy,
    request: BillingDisputeRequest,
    decision: AdjustmentDecision,
    findings: Sequence[Discrepancy],
    prior_cents: int,
    in_flight_cents: int,
    billing: RecordedBilling | None = None,
    states: dict[str, ChargeState] | None = None,
) -> RecordedDecision:
    """The adjustment decision with what it was decided on, as the CRM records it (carried by
    the audit note of the decision, so recording it adds no command to the history), with the
    billing history the findings came from and what each wrong charge still allowed."""
    if billing is not None and states:
        billing = billing.model_copy(update={"charge_left_cents": charge_left(states)})
    facts = dispute_case_facts(
        policy,
        request.customer_id,
        workflow.now(),
        findings,
        prior_cents=prior_cents,
        in_flight_cents=in_flight_cents,
        billing=billing,
    )
    return RecordedDecision(
        process="billing_dispute",
        verdict=decision.verdict.value,
        rule=decision.rule,
        amount_cents=decision.amount_cents,
        approval_level=decision.approval_level,
        required_approvals=decision.required_approvals,
        facts=facts.model_dump(mode="json"),
    )
