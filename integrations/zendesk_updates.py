"""What each case event does to the Zendesk ticket it came from (pure)."""

from __future__ import annotations

from integrations.delivery_models import OutboundEvent
from integrations.zendesk import ZendeskUpdate

TAG_PREFIX = "supportflow_"


def zendesk_update(event: OutboundEvent) -> ZendeskUpdate | None:
    """The reply is a public comment; an approval wait puts the ticket on hold for the
    approver; a hand-off is an internal note with the package, tagged escalated and open for
    an agent; a resolution solves the ticket. None: nothing for Zendesk to show."""
    data = event.data
    if event.kind == "case.reply" and event.reply is not None:
        # A question to the customer leaves the ticket pending (waiting on the requester).
        waiting = event.ticket_status == "awaiting_customer"
        return ZendeskUpdate(
            comment=event.reply.body, public=True, status="pending" if waiting else None
        )
    if event.kind == "case.waiting_for_approval":
        amount = data.get("amount_cents")
        money = f" ({amount / 100:.2f} {data.get('currency', '').upper()})" if amount else ""
        note = f"supportflow: waiting for {data.get('level', 'an')} approval{money}."
        return ZendeskUpdate(comment=note, public=False, status="hold", add_tags=[_tag("pending")])
    if event.kind == "case.escalated":
        package = data.get("package") or data.get("resolution") or "Handed off to a person."
        return ZendeskUpdate(
            comment=str(package), public=False, status="open", add_tags=[_tag("escalated")]
        )
    if event.kind in ("case.resolved", "case.closed"):
        status = str(data.get("status") or "resolved")
        return ZendeskUpdate(status="solved", add_tags=[_tag(status)])
    return None


def _tag(name: str) -> str:
    return TAG_PREFIX + name
