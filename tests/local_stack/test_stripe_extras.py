"""The extras server over HTTP with the real Stripe SDK: disputes, refunds of disputed charges,
customer balance transactions and credit notes with Idempotency-Key, events and shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import stripe

from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import sandbox_charge
from worker.local_stack.stripe_extras.helpers import extras_call, open_dispute
from worker.local_stack.stripe_sandbox import SANDBOX_API_KEY

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "stripe" / "fixtures3.json"


@pytest.fixture
def client(stripe_sandbox: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        SANDBOX_API_KEY, base_addresses={"api": stripe_sandbox}, max_network_retries=0
    )


def test_a_disputed_charge_cannot_be_refunded(
    stripe_sandbox: str, stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    charge = sandbox_charge(stripe_billing, 4_200)
    dispute = open_dispute(stripe_sandbox, charge, reason="product_not_received")

    assert dispute["status"] == "needs_response" and dispute["amount"] == 4_200
    assert [d.id for d in client.v1.disputes.list(params={"charge": charge}).data] == [
        dispute["id"]
    ]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"charge": charge, "amount": 100})
    assert refused.value.code == "charge_disputed"
    assert client.v1.refunds.list(params={"charge": charge}).data == []


def test_evidence_is_submitted_once_and_replayed_by_key(
    stripe_sandbox: str, stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    dispute_id = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing))["id"]
    params = {
        "evidence": {"product_description": "Trail shoes", "shipping_tracking_number": "1Z9"},
        "metadata": {"supportflow_key": "chargeback-x-submit"},
        "submit": True,
    }
    first = client.v1.disputes.update(
        dispute_id, params=params, options={"idempotency_key": "chargeback-x-submit"}
    )
    again = client.v1.disputes.update(
        dispute_id, params=params, options={"idempotency_key": "chargeback-x-submit"}
    )

    assert first.status == again.status == "under_review"
    assert again.evidence_details.submission_count == 1
    assert again.evidence.shipping_tracking_number == "1Z9"
    with pytest.raises(stripe.InvalidRequestError):  # a new key cannot submit a second time
        client.v1.disputes.update(dispute_id, params=params)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.disputes.close(dispute_id)


def test_evidence_after_the_due_date_is_refused(
    stripe_sandbox: str, stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    dispute_id = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing), due_in_seconds=-1)[
        "id"
    ]
    with pytest.raises(stripe.InvalidRequestError, match="due date"):
        client.v1.disputes.update(dispute_id, params={"evidence": {"receipt": "r"}, "submit": True})
    assert client.v1.disputes.retrieve(dispute_id).status == "needs_response"


def test_accepting_loses_and_settling_reports_funds(
    stripe_sandbox: str, stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    lost = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing))["id"]
    assert client.v1.disputes.close(lost).status == "lost"

    won = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing, 1_000))["id"]
    client.v1.disputes.update(won, params={"evidence": {"receipt": "r"}, "submit": True})
    settled = extras_call(stripe_sandbox, f"/_extras/disputes/{won}/settle", {"status": "won"})
    assert settled["status"] == "won"
    assert [t["amount"] for t in settled["balance_transactions"]] == [-1_000, 1_000]
    types = [
        e.type
        for e in client.v1.events.list(params={"type": "charge.dispute.*", "limit": 100}).data
        if e.data.object.id == won
    ]
    assert types == [
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
        "charge.dispute.updated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.created",
    ]


def test_balance_transactions_honour_idempotency_keys(
    stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params={"email": "balance@example.com"}).id
    params = {"amount": -700, "currency": "usd", "metadata": {"supportflow_key": "k-1"}}
    first = client.v1.customers.balance_transactions.create(
        customer, params=params, options={"idempotency_key": "k-1"}
    )
    replay = client.v1.customers.balance_transactions.create(
        customer, params=params, options={"idempotency_key": "k-1"}
    )
    second = client.v1.customers.balance_transactions.create(
        customer, params={"amount": -300, "currency": "usd"}
    )

    assert replay.id == first.id
    listed = client.v1.customers.balance_transactions.list(customer).data
    assert [(t.id, t.ending_balance) for t in listed] == [(second.id, -1_000), (first.id, -700)]
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.balance_transactions.create(
            "cus_missing", params={"amount": -1, "currency": "usd"}
        )
    assert missing.value.http_status == 404


def _paid_invoice(client: stripe.StripeClient, amount: int) -> tuple[str, str]:
    customer = client.v1.customers.create(params={"email": "invoice@example.com"}).id
    method = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer})
    client.v1.customers.update(
        customer, params={"invoice_settings": {"default_payment_method": method.id}}
    )
    product = client.v1.products.create(params={"name": "Plan"}).id
    plan = client.v1.plans.create(
        params={"product": product, "amount": amount, "currency": "usd", "interval": "month"}
    ).id
    client.v1.subscriptions.create(params={"customer": customer, "items": [{"plan": plan}]})
    invoice = client.v1.invoices.list(params={"customer": customer}).data[0]
    assert invoice.status == "paid"
    return customer, invoice.id


def test_credit_notes_credit_the_balance_and_never_exceed_the_invoice(
    client: stripe.StripeClient,
) -> None:
    customer, invoice = _paid_invoice(client, 3_000)
    note = client.v1.credit_notes.create(
        params={"invoice": invoice, "amount": 1_200, "reason": "duplicate"},
        options={"idempotency_key": "cn-1"},
    )
    replay = client.v1.credit_notes.create(
        params={"invoice": invoice, "amount": 1_200, "reason": "duplicate"},
        options={"idempotency_key": "cn-1"},
    )
    assert replay.id == note.id and note.type == "post_payment"
    balance = client.v1.customers.balance_transactions.list(customer).data
    assert [(t.amount, t.type, t.credit_note) for t in balance] == [
        (-1_200, "credit_note", note.id)
    ]
    with pytest.raises(stripe.InvalidRequestError, match="exceeds"):
        client.v1.credit_notes.create(params={"invoice": invoice, "amount": 1_801})
    assert [n.id for n in client.v1.credit_notes.list(params={"invoice": invoice}).data] == [
        note.id
    ]


@pytest.mark.skipif(not FIXTURES.exists(), reason="Stripe's fixtures3.json is not beside the repo")
def test_objects_have_stripes_shapes(
    stripe_sandbox: str, stripe_billing: StripeBilling, client: stripe.StripeClient
) -> None:
    resources = json.loads(FIXTURES.read_text())["resources"]
    dispute = open_dispute(stripe_sandbox, sandbox_charge(stripe_billing))
    customer, invoice = _paid_invoice(client, 2_000)
    note = client.v1.credit_notes.create(params={"invoice": invoice, "amount": 100}).to_dict()
    transaction = client.v1.customers.balance_transactions.list(customer).data[0].to_dict()
    event = client.v1.events.list(params={"limit": 1}).data[0].to_dict()
    for kind, ours in [
        ("dispute", dispute),
        ("credit_note", note),
        ("customer_balance_transaction", transaction),
        ("event", event),
    ]:
        # Stripe's newer fields we do not model (customer_account, refunds split, …) aside,
        # every field we send exists in Stripe's fixture, under the same object name.
        assert set(ours) <= set(resources[kind]), (kind, set(ours) - set(resources[kind]))
        assert ours["object"] == resources[kind]["object"]
    assert set(dispute["evidence"]) == set(resources["dispute"]["evidence"])
