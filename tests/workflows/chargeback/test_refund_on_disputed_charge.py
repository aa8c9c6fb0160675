"""A refund case on a charge the customer's bank disputes pays nothing: Stripe answers
`charge_disputed`, and the case links to the chargeback case and tells the customer."""

from __future__ import annotations

from integrations.crm_store.store import CrmStore
from integrations.stripe_billing import StripeBilling
from tests.workflows.chargeback.conftest import Chargebacks
from workflows.chargeback.contract import chargeback_workflow_id
from workflows.refund.workflow import RefundWorkflow


async def test_refund_of_a_disputed_charge_links_to_the_chargeback(
    chargebacks: Chargebacks, crm_store: CrmStore, stripe_billing: StripeBilling
) -> None:
    disputed = await chargebacks.dispute(crm_store, stripe_billing, amount_cents=2_000)
    request = disputed.case.request
    handle = await chargebacks.env.client.start_workflow(
        RefundWorkflow.run,
        request,
        id=f"ticket-{request.ticket_id}",
        task_queue=chargebacks.task_queue,
    )
    chargebacks.handles.append(handle)
    outcome = await handle.result()
    await chargebacks.keep(handle, "refund_linked")

    assert outcome.state == "denied" and outcome.refund_id is None
    assert chargeback_workflow_id(disputed.dispute_id) in outcome.resolution
    assert stripe_billing.list_refunds(disputed.case.charge_id) == []
    ticket = crm_store.get_ticket(request.ticket_id)
    assert ticket is not None and ticket.status == "denied"
    assert ["chargeback" in m.body for m in ticket.outbox] == [True]
