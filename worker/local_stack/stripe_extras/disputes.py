"""Disputes as Stripe documents them (https://docs.stripe.com/api/disputes), plus the test
helpers that open and settle one, and the refund guard for disputed charges."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from worker.local_stack.stripe_extras.forms import as_bool, as_int, decode_form
from worker.local_stack.stripe_extras.objects import (
    DISPUTE_FEE_CENTS,
    EVIDENCE_FIELDS,
    OPEN_DISPUTE_STATUSES,
    RESPONDABLE_STATUSES,
    new_id,
    now,
    page,
    public,
)
from worker.local_stack.stripe_extras.upstream import Extras, StripeAnswer, missing

DEFAULT_RESPONSE_WINDOW_SECONDS = 7 * 24 * 3600
REASONS = frozenset(
    {
        "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
        "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
        "insufficient_funds", "product_not_received", "product_unacceptable",
        "subscription_canceled", "unrecognized",
    }
)  # fmt: skip


def _dispute(extras: Extras, dispute_id: str) -> dict[str, Any]:
    dispute = extras.state.disputes.get(dispute_id)
    if dispute is None:
        raise missing("dispute", dispute_id)
    return dispute


def _funds(dispute: dict[str, Any], sign: int, description: str) -> dict[str, Any]:
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": sign * dispute["amount"],
        "currency": dispute["currency"],
        "created": now(),
        "description": description,
        "fee": DISPUTE_FEE_CENTS if sign < 0 else -DISPUTE_FEE_CENTS,
        "net": sign * (dispute["amount"] + DISPUTE_FEE_CENTS),
        "reporting_category": "dispute" if sign < 0 else "dispute_reversal",
        "source": dispute["id"],
        "status": "available",
        "type": "adjustment",
    }


async def list_disputes(request: web.Request, extras: Extras) -> web.Response:
    query = dict(request.query)
    found = [
        d
        for d in extras.state.disputes.values()
        if d["charge"] == query.get("charge", d["charge"])
        and d["payment_intent"] == query.get("payment_intent", d["payment_intent"])
    ]
    return web.json_response(page(found, query, "/v1/disputes"))


async def retrieve_dispute(request: web.Request, extras: Extras) -> web.Response:
    return web.json_response(public(_dispute(extras, request.match_info["id"])))


async def update_dispute(request: web.Request, extras: Extras) -> web.Response:
    """Evidence is merged field by field; `submit=true` sends it to the bank, once."""
    dispute = _dispute(extras, request.match_info["id"])
    form = decode_form(await request.text())
    if dispute["status"] not in RESPONDABLE_STATUSES:
        raise StripeAnswer(
            400,
            f"This dispute is already {dispute['status']}; its evidence can no longer be changed.",
        )
    evidence = form.get("evidence") or {}
    unknown = sorted(set(evidence) - set(EVIDENCE_FIELDS))
    if unknown:
        raise StripeAnswer(400, f"Received unknown parameter: evidence[{unknown[0]}]")
    submit = as_bool(form.get("submit", "true"))
    if submit and now() > dispute["evidence_details"]["due_by"]:
        raise StripeAnswer(400, "The due date for submitting evidence has passed.")
    previous = {"evidence": copy.deepcopy(dispute["evidence"]), "status": dispute["status"]}
    dispute["evidence"].update({k: v or None for k, v in evidence.items()})
    dispute["metadata"].update(form.get("metadata") or {})
    details = dispute["evidence_details"]
    details["has_evidence"] = any(dispute["evidence"][k] for k in EVIDENCE_FIELDS)
    if submit:
        details["submission_count"] += 1
        dispute["status"] = (
            "warning_under_review"
            if dispute["status"] == "warning_needs_response"
            else "under_review"
        )
    extras.bus.emit("charge.dispute.updated", dispute, previous)
    extras.state.save()
    return web.json_response(public(dispute))


async def close_dispute(request: web.Request, extras: Extras) -> web.Response:
    """Accepting the dispute: it is lost (an inquiry closes as `warning_closed`)."""
    dispute = _dispute(extras, request.match_info["id"])
    if dispute["status"] not in RESPONDABLE_STATUSES:
        raise StripeAnswer(
            400, f"This dispute is already {dispute['status']} and cannot be closed."
        )
    previous = {"status": dispute["status"]}
    inquiry = dispute["status"].startswith("warning_")
    dispute["status"] = "warning_closed" if inquiry else "lost"
    extras.bus.emit("charge.dispute.closed", dispute, previous)
    extras.state.save()
    return web.json_response(public(dispute))


async def guard_refund(request: web.Request, extras: Extras) -> web.Response:
    """Stripe refuses to refund a charge with a dispute open or lost (`charge_disputed`)."""
    body = await request.read()
    form = decode_form(body.decode())
    charge, intent = form.get("charge"), form.get("payment_intent")
    dispute = extras.state.open_dispute_on(charge, intent)
    if dispute:
        raise StripeAnswer(
            400,
            f"Charge {dispute['charge']} has been charged back; cannot issue a refund.",
            code="charge_disputed",
            param="charge",
        )
    return await extras.forward(request, body)


async def open_dispute(request: web.Request, extras: Extras) -> web.Response:
    """Test helper: the customer's bank disputes `charge` (what pm_card_createDispute does in
    Stripe test mode). `due_in_seconds` sets evidence_details.due_by; default 7 days."""
    form = decode_form(await request.text())
    charge_id = str(form.get("charge") or "")
    if not charge_id:
        raise StripeAnswer(400, "Missing required param: charge.", param="charge")
    charge = await extras.fetch(request, f"/v1/charges/{charge_id}", "charge", charge_id)
    reason = str(form.get("reason", "general"))
    if reason not in REASONS:
        raise StripeAnswer(400, f"Invalid reason: {reason}", param="reason")
    inquiry = as_bool(form.get("inquiry", "false"))
    window = as_int(form.get("due_in_seconds", DEFAULT_RESPONSE_WINDOW_SECONDS), "due_in_seconds")
    intent = charge.get("payment_intent")
    dispute: dict[str, Any] = {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": as_int(form.get("amount", charge["amount"]), "amount"),
        "balance_transactions": [],
        "charge": charge_id,
        "created": now(),
        "currency": charge["currency"],
        "evidence": dict.fromkeys(EVIDENCE_FIELDS) | {"enhanced_evidence": {}},
        "evidence_details": {
            "due_by": now() + window,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "enhanced_eligibility": {},
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": intent if isinstance(intent, str) or intent is None else intent["id"],
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "inquiry" if inquiry else "chargeback",
                "network_reason_code": "10.4",
                "network": "visa",
            },
            "type": "card",
        },
        "reason": reason,
        "status": "warning_needs_response" if inquiry else "needs_response",
        "enhanced_eligibility_types": [],
        "_seq": len(extras.state.disputes),
    }
    extras.state.disputes[dispute["id"]] = dispute
    extras.bus.emit("charge.dispute.created", dispute)
    if not inquiry:
        dispute["balance_transactions"].append(_funds(dispute, -1, "Chargeback withdrawal"))
        extras.bus.emit("charge.dispute.funds_withdrawn", dispute)
    extras.state.save()
    return web.json_response(public(dispute))


async def settle_dispute(request: web.Request, extras: Extras) -> web.Response:
    """Test helper: the bank decides (`status` won or lost), as Stripe reports it later."""
    dispute = _dispute(extras, request.match_info["id"])
    form = decode_form(await request.text())
    outcome = form.get("status")
    if outcome not in ("won", "lost"):
        raise StripeAnswer(400, "status must be won or lost", param="status")
    if dispute["status"] not in OPEN_DISPUTE_STATUSES:
        raise StripeAnswer(400, f"This dispute is already {dispute['status']}.")
    previous = {"status": dispute["status"]}
    dispute["status"] = outcome
    extras.bus.emit("charge.dispute.closed", dispute, previous)
    if outcome == "won" and dispute["balance_transactions"]:
        dispute["balance_transactions"].append(_funds(dispute, 1, "Chargeback reversal"))
        extras.bus.emit("charge.dispute.funds_reinstated", dispute)
    extras.state.save()
    return web.json_response(public(dispute))
