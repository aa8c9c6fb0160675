"""Money counted whole, on real workflows: limits see what the order already had refunded, and
one money case per order runs at a time (issue 7, defect 5: splitting a refund over tickets
slipped past approval; concurrent tickets slipped past the per-customer refund count)."""

from __future__ import annotations

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.conftest import CaseRunner
from tests.workflows.refund.test_refund_workflow import decide, wait_for_state


def _ticket(request, suffix: str, **changes):  # type: ignore[no-untyped-def]
    return request.model_copy(update={"ticket_id": f"{request.ticket_id}-{suffix}", **changes})


async def test_splitting_a_refund_over_tickets_still_needs_an_approval(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case = await cases.seed(crm_store, stripe_billing, amount_cents=15_000)
    first = _ticket(case.request, "a", requested_amount_cents=5_000)
    outcome = await (await cases.start(first)).result()
    assert outcome.state == "resolved"  # 50.00 alone is within the 50.00 auto-approve limit

    second = await cases.start(_ticket(case.request, "b", requested_amount_cents=5_000))
    status = await wait_for_state(second, "awaiting_approval")
    assert status.decision_rule == "single_approval_required"
    assert "100.00" in (status.decision_reason or "")
    await cases.keep(second, "split_refund_needs_approval")
    assert [r.amount_cents for r in stripe_billing.list_refunds(case.charge_id)] == [5_000]
    await second.terminate("test done")


async def test_a_second_money_case_on_the_order_waits_its_turn_by_escalating(
    cases: CaseRunner, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    case, holder, pending = await cases.awaiting_approval(
        crm_store, stripe_billing, amount_cents=18_000
    )

    other = _ticket(case.request, "dup")
    refused = await (await cases.start(other)).result()
    assert refused.state == "escalated"
    assert case.request.ticket_id in refused.resolution
    assert "one money case per order" in refused.resolution

    await decide(holder, request_id=pending.request_id, approver="alice", decision="approve")
    assert (await holder.result()).state == "resolved"
    assert [r.amount_cents for r in stripe_billing.list_refunds(case.charge_id)] == [18_000]

    # Released with the outcome: a later ticket on the order is decided on what is left.
    later = await (await cases.start(_ticket(case.request, "later"))).result()
    assert later.state == "denied" and "fully refunded" in later.resolution
