"""The Stripe adapter against the sandbox: demo charges, refund lookup across pages."""

from __future__ import annotations

import pytest
import stripe

from activities import billing_errors as errors
from activities.billing_errors import to_application_error
from integrations.stripe_billing import StripeBilling
from tests.stripe_fixtures import SANDBOX_API_KEY, sandbox_charge


def test_demo_charge_is_a_real_succeeded_charge(stripe_billing: StripeBilling) -> None:
    charge_id, intent_id = stripe_billing.create_demo_charge(
        12_900, "usd", "Order #1001", "grace@example.com", restrict_to_cards=False
    )

    charge = stripe_billing.get_charge(charge_id)

    assert charge_id.startswith("ch_") and intent_id.startswith("pi_")
    assert (charge.amount_cents, charge.amount_refunded_cents) == (12_900, 0)
    assert (charge.currency, charge.status, charge.payment_intent_id) == (
        "usd",
        "succeeded",
        intent_id,
    )
    assert charge.refundable_cents == 12_900


def test_declined_demo_card_raises_a_card_error(stripe_billing: StripeBilling) -> None:
    with pytest.raises(stripe.CardError) as raised:
        sandbox_charge(stripe_billing, payment_method="pm_card_chargeCustomerFail")

    assert to_application_error(raised.value, "create_charge").type == errors.CARD_DECLINED


def test_refunds_with_key_pages_through_every_refund(stripe_sandbox: str) -> None:
    billing = StripeBilling(SANDBOX_API_KEY, stripe_sandbox, page_size=2)
    charge_id = sandbox_charge(billing, 1_000)
    created = [billing.create_refund(charge_id, 100, f"key-{n}", {}) for n in range(5)]

    assert {r.refund_id for r in billing.list_refunds(charge_id)} == {r.refund_id for r in created}
    for refund in created:
        found = billing.refunds_with_key(charge_id, refund.metadata["supportflow_key"])
        assert [r.refund_id for r in found] == [refund.refund_id]
    assert billing.refunds_with_key(charge_id, "key-unknown") == []


def test_refunds_with_key_ignores_other_charges(stripe_billing: StripeBilling) -> None:
    first = sandbox_charge(stripe_billing, 1_000)
    second = sandbox_charge(stripe_billing, 1_000)
    stripe_billing.create_refund(first, 100, "same-key", {"ticket_id": "T-1"})

    assert stripe_billing.refunds_with_key(second, "same-key") == []
    (found,) = stripe_billing.refunds_with_key(first, "same-key")
    assert found.metadata["ticket_id"] == "T-1" and found.is_live
    assert found.created is not None
