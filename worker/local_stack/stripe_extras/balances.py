"""Customer balance transactions and credit notes, as Stripe documents them
(https://docs.stripe.com/api/customer_balance_transactions, /api/credit_notes).

A negative balance transaction is a credit the customer's next invoices consume. A credit note
on a paid invoice credits the customer's balance by `credit_amount` (the default when no split
is given) or records money returned outside Stripe (`out_of_band_amount`); all credit notes on
an invoice together never exceed its total.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from worker.local_stack.stripe_extras.forms import as_int, decode_form
from worker.local_stack.stripe_extras.objects import new_id, now, page, public
from worker.local_stack.stripe_extras.upstream import Extras, StripeAnswer, missing

_CREDIT_NOTE_REASONS = frozenset(
    {"duplicate", "fraudulent", "order_change", "product_unsatisfactory"}
)


def _customer_transactions(extras: Extras, customer_id: str) -> list[dict[str, Any]]:
    return [t for t in extras.state.balance_transactions.values() if t["customer"] == customer_id]


def _add_transaction(
    extras: Extras,
    customer_id: str,
    amount: int,
    currency: str,
    *,
    kind: str,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    credit_note: str | None = None,
    invoice: str | None = None,
) -> dict[str, Any]:
    balance = sum(t["amount"] for t in _customer_transactions(extras, customer_id))
    transaction = {
        "id": new_id("cbtxn"),
        "object": "customer_balance_transaction",
        "amount": amount,
        "created": now(),
        "credit_note": credit_note,
        "currency": currency,
        "customer": customer_id,
        "description": description,
        "ending_balance": balance + amount,
        "invoice": invoice,
        "livemode": False,
        "metadata": metadata or {},
        "type": kind,
        "_seq": len(extras.state.balance_transactions),
    }
    extras.state.balance_transactions[transaction["id"]] = transaction
    extras.bus.emit("customer_balance_transaction.created", transaction)
    extras.state.save()
    return transaction


async def create_balance_transaction(request: web.Request, extras: Extras) -> web.Response:
    customer_id = request.match_info["customer"]
    await extras.fetch(request, f"/v1/customers/{customer_id}", "customer", customer_id)
    form = decode_form(await request.text())
    for required in ("amount", "currency"):
        if required not in form:
            raise StripeAnswer(400, f"Missing required param: {required}.", param=required)
    amount = as_int(form["amount"], "amount")
    if amount == 0:
        raise StripeAnswer(400, "The amount must not be zero.", param="amount")
    transaction = _add_transaction(
        extras,
        customer_id,
        amount,
        str(form["currency"]).lower(),
        kind="adjustment",
        description=form.get("description"),
        metadata=form.get("metadata"),
    )
    return web.json_response(public(transaction))


async def list_balance_transactions(request: web.Request, extras: Extras) -> web.Response:
    customer_id = request.match_info["customer"]
    await extras.fetch(request, f"/v1/customers/{customer_id}", "customer", customer_id)
    found = _customer_transactions(extras, customer_id)
    url = f"/v1/customers/{customer_id}/balance_transactions"
    return web.json_response(page(found, dict(request.query), url))


async def retrieve_balance_transaction(request: web.Request, extras: Extras) -> web.Response:
    transaction = extras.state.balance_transactions.get(request.match_info["id"])
    if transaction is None or transaction["customer"] != request.match_info["customer"]:
        raise missing("customer balance transaction", request.match_info["id"])
    return web.json_response(public(transaction))


def _credit_note_total(form: dict[str, Any]) -> int:
    if "amount" in form:
        return as_int(form["amount"], "amount")
    lines = form.get("lines") or []
    if not lines:
        raise StripeAnswer(400, "You must pass either `amount` or `lines`.", param="amount")
    return sum(
        as_int(line.get("amount", as_int(line.get("unit_amount", 0), "unit_amount")), "amount")
        * as_int(line.get("quantity", 1), "quantity")
        for line in lines
    )


async def create_credit_note(request: web.Request, extras: Extras) -> web.Response:
    form = decode_form(await request.text())
    invoice_id = str(form.get("invoice") or "")
    if not invoice_id:
        raise StripeAnswer(400, "Missing required param: invoice.", param="invoice")
    invoice = await extras.fetch(request, f"/v1/invoices/{invoice_id}", "invoice", invoice_id)
    total = _credit_note_total(form)
    if total <= 0:
        raise StripeAnswer(400, "The credit note total must be positive.", param="amount")
    reason = form.get("reason")
    if reason is not None and reason not in _CREDIT_NOTE_REASONS:
        raise StripeAnswer(400, f"Invalid reason: {reason}", param="reason")
    if "refund_amount" in form:
        raise StripeAnswer(
            400, "refund_amount is not supported by the offline sandbox", param="refund_amount"
        )
    credited = sum(
        note["total"]
        for note in extras.state.credit_notes.values()
        if note["invoice"] == invoice_id and note["status"] == "issued"
    )
    if credited + total > int(invoice.get("total") or 0):
        raise StripeAnswer(
            400,
            f"The credit note total ({total}) exceeds the amount remaining on invoice "
            f"{invoice_id} ({int(invoice.get('total') or 0) - credited}).",
            param="amount",
        )
    paid = invoice.get("status") == "paid"
    out_of_band = as_int(form.get("out_of_band_amount", 0), "out_of_band_amount")
    credit = as_int(form.get("credit_amount", total - out_of_band if paid else 0), "credit_amount")
    if paid and credit + out_of_band != total:
        raise StripeAnswer(
            400,
            "The sum of credit_amount and out_of_band_amount must equal the credit note total.",
        )
    note: dict[str, Any] = {
        "id": new_id("cn"),
        "object": "credit_note",
        "amount": total,
        "amount_shipping": 0,
        "created": now(),
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "customer_balance_transaction": None,
        "discount_amount": 0,
        "discount_amounts": [],
        "effective_at": now(),
        "invoice": invoice_id,
        "lines": {"object": "list", "data": [], "has_more": False, "url": ""},
        "livemode": False,
        "memo": form.get("memo"),
        "metadata": form.get("metadata") or {},
        "number": f"{invoice_id[-8:].upper()}-CN-{len(extras.state.credit_notes) + 1:02d}",
        "out_of_band_amount": out_of_band or None,
        "reason": reason,
        "status": "issued",
        "subtotal": total,
        "subtotal_excluding_tax": total,
        "total": total,
        "total_excluding_tax": total,
        "type": "post_payment" if paid else "pre_payment",
        "voided_at": None,
        "_seq": len(extras.state.credit_notes),
    }
    note["lines"]["url"] = f"/v1/credit_notes/{note['id']}/lines"
    extras.state.credit_notes[note["id"]] = note
    if paid and credit:
        transaction = _add_transaction(
            extras,
            invoice["customer"],
            -credit,
            invoice["currency"],
            kind="credit_note",
            credit_note=note["id"],
            invoice=invoice_id,
        )
        note["customer_balance_transaction"] = transaction["id"]
    extras.bus.emit("credit_note.created", note)
    extras.state.save()
    return web.json_response(public(note))


async def list_credit_notes(request: web.Request, extras: Extras) -> web.Response:
    query = dict(request.query)
    found = [
        note
        for note in extras.state.credit_notes.values()
        if note["invoice"] == query.get("invoice", note["invoice"])
        and note["customer"] == query.get("customer", note["customer"])
    ]
    return web.json_response(page(found, query, "/v1/credit_notes"))


async def retrieve_credit_note(request: web.Request, extras: Extras) -> web.Response:
    note = extras.state.credit_notes.get(request.match_info["id"])
    if note is None:
        raise missing("credit note", request.match_info["id"])
    return web.json_response(public(note))
