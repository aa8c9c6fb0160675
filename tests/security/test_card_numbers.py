"""Card numbers typed into tickets are removed before anything keeps them (issue 7, defect 11).

The redaction is checked against a brute-force statement of the rule (every digit-group-aligned
span of 13-19 Luhn-valid digits with 1-3 spaces or dashes between groups), on adversarial inputs
under a hang guard, and through the intake functions the API and CLI share.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.models import CustomerReply
from integrations.card_numbers import REPLACEMENT, luhn_valid, redact_card_numbers, redact_fields
from workflows.refund import replies as refund_replies
from workflows.refund.contract import RefundRequest
from workflows.ticket import replies as ticket_replies
from workflows.ticket.contract import TicketRequest

CARDS = ["4242 4242 4242 4242", "4242-4242-4242-4242", "4242424242424242", "378282246310005"]


@pytest.mark.parametrize("card", CARDS)
def test_card_numbers_are_removed(card: str) -> None:
    redaction = redact_card_numbers(f"I paid with {card} yesterday.")
    assert redaction.removed
    assert redaction.text == f"I paid with {REPLACEMENT} yesterday."
    assert "4242" not in redaction.text and "3782" not in redaction.text


@pytest.mark.parametrize(
    "text",
    [
        "Order 5001, call me on 555-123-4567.",
        "Tracking 1Z999AA10123456784 and order number 12345678.",
        "4242 4242 4242 4241",  # fails Luhn
        "Invoice 2024-0001-0002",
    ],
)
def test_other_numbers_stay(text: str) -> None:
    assert redact_card_numbers(text).text == text
    assert not redact_card_numbers(text).removed


def test_a_card_next_to_an_order_number_leaves_the_order_number() -> None:
    assert redact_card_numbers("order 5001 card 4242 4242 4242 4242").text == (
        f"order 5001 card {REPLACEMENT}"
    )


def reference_spans(text: str) -> set[int]:
    """Indexes to remove, straight from the rule: every aligned candidate span, checked alone."""
    covered: set[int] = set()
    n = len(text)
    for i in range(n):
        if (
            not text[i].isdigit()
            or text[i] not in "0123456789"
            or (i and text[i - 1] in "0123456789")
        ):
            continue
        for j in range(i + 1, n + 1):
            span = text[i:j]
            if span[-1] not in "0123456789" or (j < n and text[j] in "0123456789"):
                continue
            digits = "".join(c for c in span if c in "0123456789")
            gaps = "".join(c if c not in "0123456789" else "|" for c in span).split("|")
            if not all(set(g) <= {" ", "-"} and len(g) <= 3 for g in gaps):
                continue
            if 13 <= len(digits) <= 19 and luhn_valid(digits):
                covered |= set(range(i, j))
    return covered


def reference_redaction(text: str) -> str:
    covered = reference_spans(text)
    out, index = [], 0
    while index < len(text):
        if index in covered:
            while index in covered:
                index += 1
            out.append(REPLACEMENT)
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


PIECES = st.sampled_from(
    ["4242", "42", "4", "0", "1", "5555", "3782", " ", "-", "  ", " - ", "a", "#", "\n"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=16).map("".join))
def test_redaction_is_the_rule(text: str) -> None:
    redaction = redact_card_numbers(text)
    assert redaction.text == reference_redaction(text)
    assert redaction.removed == bool(reference_spans(text))
    assert len(redaction.text) <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=16).map("".join))
def test_nothing_card_like_survives(text: str) -> None:
    assert not reference_spans(redact_card_numbers(text).text)


@pytest.mark.timeout(20)
@pytest.mark.parametrize("unit", ["4 ", "4-", "42 ", "4242 ", "1", "4 - "])
def test_twenty_thousand_characters_of_digits(unit: str) -> None:
    text = (unit * 20_000)[:20_000]
    assert not reference_spans(redact_card_numbers(text).text[:200])


def test_intake_redacts_ticket_fields_and_sets_the_flag() -> None:
    ticket = TicketRequest(
        ticket_id="T-1",
        customer_id="cus_1",
        subject="Card 4242424242424242",
        body="4242-4242-4242-4242",
    )
    redacted = redact_fields(ticket, ("subject", "body"), flag="card_data_removed")
    assert redacted.card_data_removed
    assert "4242" not in redacted.model_dump_json()
    clean = TicketRequest(ticket_id="T-2", customer_id="cus_1", body="order 5001")
    assert redact_fields(clean, ("subject", "body"), flag="card_data_removed") is clean


def test_replies_ask_for_no_card_data_only_when_some_was_removed() -> None:
    reply = ticket_replies.person_taking_over("T-1", "Robin")
    told = ticket_replies.with_card_notice(reply, True)
    assert told.body.rstrip().endswith(ticket_replies.CARD_DATA_NOTICE)
    assert ticket_replies.with_card_notice(reply, False) == reply
    assert ticket_replies.with_card_notice(told, True) == told  # said once
    refund = refund_replies.with_card_notice(refund_replies.escalated("T-1", "Robin"), True)
    assert isinstance(refund, CustomerReply) and refund_replies.CARD_DATA_NOTICE in refund.body
    assert refund_replies.with_card_notice(None, True) is None


def test_contract_fields_are_optional() -> None:
    assert RefundRequest(ticket_id="T", customer_id="c").card_data_removed is False
    assert TicketRequest(ticket_id="T", customer_id="c").card_data_removed is False
