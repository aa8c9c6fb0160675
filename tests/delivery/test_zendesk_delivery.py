"""A Zendesk ticket's case kept in step: an approval wait puts it on hold with an internal
note, a hand-off is an internal note with the package (tagged escalated, open for an agent),
the reply a public comment, the resolution solves it — each once, in the case's order."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from integrations.crm_store import CrmStore
from tests.delivery.cases import dispatch_until, open_ticket, request_approval, resolve
from tests.delivery.zendesk_fake import FakeZendesk


async def test_the_zendesk_ticket_follows_the_case(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    zendesk: FakeZendesk,
    task_queue: str,
) -> None:
    ticket = zendesk.add_ticket(501)
    ticket_id = "zd-501"
    open_ticket(crm_store, ticket_id, helpdesk="zendesk", external_id="501")
    request_approval(crm_store, ticket_id)
    crm_store.add_handoff_note(ticket_id, "hof-1", "## Hand-off\nCustomer asked for a person.")
    crm_store.add_handoff_note(ticket_id, "hof-1", "## Hand-off\nCustomer asked for a person.")
    resolve(crm_store, ticket_id, "We have replaced your kettle.")
    client = dev_server_env.client
    await dispatch_until(client, crm_store, task_queue, lambda: ticket.status == "solved")

    assert [(c["public"], c["body"].splitlines()[0]) for c in ticket.comments] == [
        (False, "supportflow: waiting for single approval (180.00 USD)."),
        (False, "## Hand-off"),
        (True, "We have replaced your kettle."),
    ]
    statuses = [
        event["value"]
        for audit in ticket.audits
        for event in audit["events"]
        if event["type"] == "Change"
    ]
    assert statuses == ["hold", "open", "solved"]
    assert ticket.tags == ["supportflow_pending", "supportflow_escalated", "supportflow_resolved"]
    assert zendesk.puts == 4  # one update per event, the repeated hand-off note included once
    skipped, *states = crm_store.deliveries(ticket_id)
    # It started in Zendesk: nobody needs to hear that, and it is never reconsidered.
    assert (skipped.kind, skipped.channel, skipped.status) == ("case.started", "none", "skipped")
    assert [s.kind for s in states] == [
        "case.waiting_for_approval",
        "case.escalated",
        "case.reply",
        "case.resolved",
    ]
    assert all(s.status == "sent" and s.channel == "zendesk" for s in states)


async def test_zendesk_refusing_our_credential_fails_the_reply_at_once(
    dev_server_env: WorkflowEnvironment,
    delivery_worker: Worker,
    crm_store: CrmStore,
    zendesk: FakeZendesk,
    task_queue: str,
) -> None:
    zendesk.add_ticket(502)
    zendesk.fail_next = [503, 401]  # busy once (retried), then our token is refused (not)
    ticket_id = "zd-502"
    open_ticket(crm_store, ticket_id, helpdesk="zendesk", external_id="502")
    resolve(crm_store, ticket_id)

    def failed() -> bool:
        view = crm_store.get_ticket(ticket_id)
        return view is not None and [m.status for m in view.outbox] == ["failed"]

    await dispatch_until(dev_server_env.client, crm_store, task_queue, failed)
    view = crm_store.get_ticket(ticket_id)
    assert view is not None
    assert view.outbox[0].attempts == 2
    assert (view.outbox[0].last_error or "").startswith("DeliveryUnauthorized: zendesk: HTTP 401")
