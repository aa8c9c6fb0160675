"""The approval message and its outcomes, as Block Kit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from integrations.slack_approval_request import request_blocks
from integrations.slack_approval_updates import ApprovalStatusLine, apply_outcome
from integrations.slack_blocks import (
    ACTIONS_BLOCK,
    APPROVE_ACTION,
    REJECT_ACTION,
    STATUS_BLOCK,
    ApprovalAction,
    ApprovalLinks,
    format_money,
)
from tests.slack.notices import dual_notice, make_notice

LINKS = ApprovalLinks.build(
    "http://127.0.0.1:8000", "http://localhost:8233", "default", "T-1001", "ticket-T-1001"
)
AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)


def _text(blocks: list[dict[str, Any]]) -> str:
    """All the text a reader sees, flattened."""
    return json.dumps(blocks, ensure_ascii=False)


def _actions(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    block = next(b for b in blocks if b.get("block_id") == ACTIONS_BLOCK)
    return {e["action_id"]: e for e in block["elements"]}


def test_request_message_shows_everything_needed_to_decide() -> None:
    text = _text(request_blocks(make_notice(), LINKS))
    for expected in (
        "Dana Whitfield",
        "gold tier",
        "Blender arrived cracked",
        "ord_778",
        "129.50 USD",  # amount and currency
        "*Still refundable*\\n150.00 USD",
        "single_approval_required",
        "above the auto-approve limit",
        "Approve a refund of 129.50 USD",
        "20.00 USD on 2026-10-02 (order ord_600, ticket T-0900)",
        "<http://127.0.0.1:8000/tickets/T-1001|",
        "<http://localhost:8233/namespaces/default/workflows/ticket-T-1001|",
        "req-5b1c",
    ):
        assert expected in text, expected


def test_buttons_carry_the_request_and_the_amount_shown() -> None:
    actions = _actions(request_blocks(make_notice(), LINKS))
    assert set(actions) == {APPROVE_ACTION, REJECT_ACTION}
    for element in actions.values():
        value = ApprovalAction.decode(element["value"])
        assert value.request_id == "req-5b1c"
        assert value.ticket_id == "T-1001"
        assert value.amount_cents == 12_950
        assert len(element["value"]) <= 2000  # Slack's limit for a button value
    assert "confirm" not in actions[APPROVE_ACTION]


def test_dual_control_approve_asks_for_confirmation() -> None:
    actions = _actions(request_blocks(dual_notice(), LINKS))
    confirm = actions[APPROVE_ACTION]["confirm"]
    assert "720.00 USD" in confirm["text"]["text"]
    assert "2 different approvers" in confirm["text"]["text"]
    assert "confirm" not in actions[REJECT_ACTION]


def test_ticket_text_cannot_inject_mentions_or_links() -> None:
    notice = make_notice(customer_name="<!channel> Mallory", subject="see <https://evil|bank>")
    text = _text(request_blocks(notice, LINKS))
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; Mallory" in text
    assert "<https://evil|bank>" not in text


def test_no_recent_refunds_says_so() -> None:
    text = _text(request_blocks(make_notice(recent_refunds=[]), LINKS))
    assert "None in the policy window" in text


def test_approved_replaces_buttons_with_who_and_when() -> None:
    blocks = request_blocks(make_notice(), LINKS)
    outcome = ApprovalStatusLine(status="approved", at=AT, actor="<@U0ALICE>")
    updated = apply_outcome(blocks, outcome)
    assert not any(b.get("block_id") == ACTIONS_BLOCK for b in updated)
    status = next(b for b in updated if b.get("block_id") == STATUS_BLOCK)["text"]["text"]
    assert "*Approved* by <@U0ALICE> at <!date^" in status
    assert "2026-11-02 09:15 UTC" in status


def test_rejected_shows_the_reason() -> None:
    outcome = ApprovalStatusLine(status="rejected", at=AT, actor="<@U0BOB>", reason="Used item <3")
    updated = apply_outcome(request_blocks(make_notice(), LINKS), outcome)
    status = next(b for b in updated if b.get("block_id") == STATUS_BLOCK)["text"]["text"]
    assert "*Rejected* by <@U0BOB>" in status
    assert status.endswith("— Used item &lt;3")


def test_partial_approval_keeps_buttons_and_outcomes_do_not_stack() -> None:
    blocks = request_blocks(dual_notice(), LINKS)
    partial = ApprovalStatusLine(
        status="partially_approved",
        at=AT,
        actor="<@U0ALICE>",
        approvals_received=1,
        required_approvals=2,
    )
    once = apply_outcome(blocks, partial)
    assert "*1 of 2 approvals*" in _text(once)
    assert _actions(once) == _actions(blocks)
    assert apply_outcome(once, partial) == once
    done = apply_outcome(
        once,
        ApprovalStatusLine(
            status="approved", at=AT, actor="<@U0CAROL>", approvals_received=2, required_approvals=2
        ),
    )
    assert [b.get("block_id") for b in done].count(STATUS_BLOCK) == 1
    assert "(2 of 2 approvals)" in _text(done)
    assert not any(b.get("block_id") == ACTIONS_BLOCK for b in done)


def test_expired_names_where_it_was_escalated() -> None:
    outcome = ApprovalStatusLine(status="expired", at=AT, escalated_to="C0SUPPORTLEADS")
    text = _text(apply_outcome(request_blocks(make_notice(), LINKS), outcome))
    assert "*Expired* at" in text
    assert "escalated to <#C0SUPPORTLEADS>" in text
    assert "No refund was made" in text


def test_money_respects_zero_decimal_currencies() -> None:
    assert format_money(123456, "usd") == "1,234.56 USD"
    assert format_money(5000, "jpy") == "5,000 JPY"


def test_run_link_escapes_workflow_ids() -> None:
    links = ApprovalLinks.build("http://api/", "http://ui", "prod ns", "T/1", "ticket-T/1")
    assert links.ticket_url == "http://api/tickets/T%2F1"
    assert links.run_url == "http://ui/namespaces/prod%20ns/workflows/ticket-T%2F1"


def _adjustment(**overrides: Any) -> Any:
    """A billing adjustment as a dispute process would ask for it: no order, nothing
    "refundable", its own facts."""
    fields: dict[str, Any] = dict(
        action="billing adjustment",
        target="invoice in_1Q2w3e on subscription sub_9z",
        lines=["Charged 49.00 USD twice on 2026-11-02", "Credit the duplicate to the balance"],
        order_id=None,
        refundable_cents=None,
        amount_cents=4_900,
        recommended_action="Credit 49.00 USD to the customer's balance.",
    )
    fields.update(overrides)
    return make_notice(**fields)


def test_an_approval_describes_any_action_not_only_refunds() -> None:
    from integrations.slack_approval_request import fallback_text, reject_modal
    from integrations.slack_approval_updates import outcome_fallback, outcome_text, reminder_text
    from integrations.slack_blocks import RejectContext

    notice = _adjustment()
    blocks = request_blocks(notice, LINKS)
    text = _text(blocks)
    assert blocks[0]["text"]["text"] == "Billing adjustment approval: 49.00 USD"
    assert "invoice in_1Q2w3e on subscription sub_9z" in text
    assert "• Charged 49.00 USD twice on 2026-11-02" in text
    assert "*Order*" not in text and "Still refundable" not in text
    assert fallback_text(notice).startswith("Billing adjustment approval needed: 49.00 USD")
    assert "this billing adjustment of 49.00 USD" in reminder_text(notice, "")

    button = ApprovalAction.decode(_actions(blocks)[APPROVE_ACTION]["value"])
    assert button.action == "billing adjustment"
    context = RejectContext(**button.model_dump(), channel="C0BILLING", message_ts="1.2")
    modal = reject_modal(context)
    assert (
        modal["title"]["text"] == "Reject billing adjustme"[:24]
        or len(modal["title"]["text"]) <= 24
    )
    assert "Reject the billing adjustment of *49.00 USD*" in _text(modal["blocks"])

    superseded = ApprovalStatusLine(
        status="superseded", at=AT, actor="<@U0ALICE>", action="billing adjustment"
    )
    assert "no billing adjustment will be made" in outcome_text(superseded)
    assert outcome_fallback(superseded, "x").startswith("Approved, but no billing adjustment")
    expired = ApprovalStatusLine(status="expired", at=AT, action="billing adjustment")
    assert outcome_text(expired).endswith("No billing adjustment was made.")
    # Only the customer's recent refunds (context for any money approval) still say "refund".
    said = [blocks[0], fallback_text(notice), reminder_text(notice, ""), modal, superseded]
    assert "refund" not in json.dumps([str(x) for x in said]).lower()


def test_a_button_from_before_actions_were_named_still_reads_as_a_refund() -> None:
    old_value = (
        '{"ticket_id":"T-1","request_id":"r","amount_cents":100,"currency":"usd","level":"single"}'
    )
    assert ApprovalAction.decode(old_value).action == "refund"
