"""The review card's "Save as example" in Slack: the button's id, and the modal where the person
confirms or corrects the intent, route and reply the case is saved with (prefilled with what the
case recorded)."""

from __future__ import annotations

from typing import Any

from integrations.slack_blocks import Block, mrkdwn, plain_text

SAVE_EXAMPLE = "handoff_save_example"
EXAMPLE_MODAL = "handoff_save_example"
INTENT_BLOCK, INTENT_INPUT = "example_intent", "intent"
ROUTE_BLOCK, ROUTE_INPUT = "example_route", "route"
EXAMPLE_REPLY_BLOCK, EXAMPLE_REPLY_INPUT = "example_reply", "reply"
MAX_REPLY = 3000  # Slack's limit for a plain_text_input


def _option(value: str) -> Block:
    return {"text": plain_text(value.replace("_", " "), 75), "value": value}


def _select(
    block_id: str, action_id: str, label: str, values: list[str], chosen: str | None
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": action_id,
        "options": [_option(v) for v in values[:100]],
    }
    if chosen in values:
        element["initial_option"] = _option(chosen)  # type: ignore[arg-type]
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, 2000),
        "element": element,
    }


def example_modal(
    private_metadata: str,
    ticket_id: str,
    intents: list[str],
    routes: list[str],
    *,
    intent: str | None,
    route: str | None,
    reply: str | None,
) -> Block:
    reply_input: Block = {
        "type": "plain_text_input",
        "action_id": EXAMPLE_REPLY_INPUT,
        "multiline": True,
        "max_length": MAX_REPLY,
    }
    if reply:
        reply_input["initial_value"] = reply[:MAX_REPLY]
    return {
        "type": "modal",
        "callback_id": EXAMPLE_MODAL,
        "private_metadata": private_metadata,
        "title": plain_text("Save as example", 24),
        "submit": plain_text("Save", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn(
                    f"Ticket {ticket_id} becomes a labelled example for triage. Correct what "
                    "the case got wrong."
                ),
            },
            _select(INTENT_BLOCK, INTENT_INPUT, "Intent", intents, intent),
            _select(ROUTE_BLOCK, ROUTE_INPUT, "Route", routes, route),
            {
                "type": "input",
                "block_id": EXAMPLE_REPLY_BLOCK,
                "label": plain_text("The right reply", 2000),
                "element": reply_input,
            },
        ],
    }


def example_values(values: dict[str, Any]) -> dict[str, str | None]:
    """The submitted labels from a view's `state.values` (None where a field is empty)."""

    def field(block: str, action: str) -> str | None:
        state = values.get(block, {}).get(action, {})
        if not isinstance(state, dict):
            return None
        selected = state.get("selected_option")
        raw = selected.get("value") if isinstance(selected, dict) else state.get("value")
        return str(raw).strip() or None if raw is not None else None

    return {
        "intent": field(INTENT_BLOCK, INTENT_INPUT),
        "route": field(ROUTE_BLOCK, ROUTE_INPUT),
        "reply": field(EXAMPLE_REPLY_BLOCK, EXAMPLE_REPLY_INPUT),
    }
