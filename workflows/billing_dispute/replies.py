"""What the customer reads about a billing complaint: what was charged, what was wrong, what we
did. Pure functions; the workflow calls them."""

from __future__ import annotations

from collections.abc import Sequence

from activities.models import CustomerReply
from policies.billing_discrepancies import Discrepancy
from policies.billing_history import BilledCharge
from workflows.billing_dispute.contract import Adjustment

# An itemised answer lists at most this many charges, newest first; the rest are summed.
MAX_CHARGES_LISTED = 12


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:,.2f} {currency.upper()}"


def charges_listed(charges: Sequence[BilledCharge]) -> str:
    newest = sorted(charges, key=lambda c: (c.created, c.charge_id), reverse=True)
    lines = []
    for charge in newest[:MAX_CHARGES_LISTED]:
        about = f" for order {charge.order_id}" if charge.order_id else ""
        refunded = (
            f", {_money(charge.amount_refunded_cents, charge.currency)} already refunded"
            if charge.amount_refunded_cents
            else ""
        )
        lines.append(
            f"- {charge.created:%Y-%m-%d %H:%M} UTC: {_money(charge.amount_cents, charge.currency)}"
            f"{about} ({charge.charge_id}, {charge.status}{refunded})"
        )
    if len(newest) > MAX_CHARGES_LISTED:
        lines.append(f"- and {len(newest) - MAX_CHARGES_LISTED} earlier charges")
    return "\n".join(lines) if lines else "- no charges"


def _what_we_did(adjustment: Adjustment) -> str:
    amount = _money(adjustment.amount_cents, adjustment.currency)
    if adjustment.method == "refund":
        return (
            f"- We refunded {amount} of {adjustment.charge_id} to your original payment method "
            f"(refund {adjustment.object_id}); it can take 5-10 business days to appear."
        )
    return (
        f"- We credited {amount} to your account balance for {adjustment.charge_id} "
        f"({adjustment.object_id}); it is taken off your next invoice."
    )


def adjusted(
    ticket_id: str,
    name: str,
    charges: Sequence[BilledCharge],
    findings: Sequence[Discrepancy],
    adjustments: Sequence[Adjustment],
) -> CustomerReply:
    wrong = "\n".join(f"- {finding.explanation}" for finding in findings)
    did = "\n".join(_what_we_did(adjustment) for adjustment in adjustments)
    return CustomerReply(
        subject=f"We corrected your billing (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nWe went through your recent charges:\n{charges_listed(charges)}\n\n"
            f"What was wrong:\n{wrong}\n\nWhat we did:\n{did}\n"
        ),
    )


def nothing_wrong(ticket_id: str, name: str, charges: Sequence[BilledCharge]) -> CustomerReply:
    return CustomerReply(
        subject=f"Your recent charges (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nWe went through your recent charges:\n{charges_listed(charges)}\n\n"
            "Each of them matches an order, invoice or plan price on your account, and none was "
            "charged twice, so we have not changed anything. If one of them still looks wrong, "
            "reply with its date and amount and a person will look at it.\n"
        ),
    )


def not_adjusted(
    ticket_id: str, name: str, findings: Sequence[Discrepancy], why: str
) -> CustomerReply:
    wrong = "\n".join(f"- {finding.explanation}" for finding in findings)
    return CustomerReply(
        subject=f"About your billing question (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nWe looked at your recent charges and found:\n{wrong}\n\n"
            f"We have not changed anything yet: {why} A member of our team will follow up.\n"
        ),
    )


def with_a_person(ticket_id: str, name: str) -> CustomerReply:
    return CustomerReply(
        subject=f"We are looking into your charges (ticket {ticket_id})",
        body=(
            f"Hi {name},\n\nA member of our billing team is taking over your request and will "
            "get back to you shortly. If you think someone else used your card, please also "
            "contact your bank.\n"
        ),
    )
