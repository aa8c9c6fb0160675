"""Counts what a workflow history costs: events and the bytes of every payload it carries."""

from __future__ import annotations

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory


def payloads_in(message: Message) -> list[Payload]:
    """Every `Payload` anywhere inside a protobuf message (a history event, a whole history)."""
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.is_repeated:
            items = (
                value.values()
                if hasattr(value, "values") and not isinstance(value, list)
                else value
            )
            for item in items:
                if isinstance(item, Message):
                    found += payloads_in(item)
        else:
            found += payloads_in(value)
    return found


def payload_bytes(message: Message) -> int:
    """Sum of `Payload.data` sizes anywhere inside a protobuf message."""
    return sum(len(payload.data) for payload in payloads_in(message))


def history_stats(history: WorkflowHistory) -> tuple[int, int]:
    return len(history.events), sum(payload_bytes(e) for e in history.events)
