"""Counts what a workflow history costs: events and the bytes of every payload it carries."""

from __future__ import annotations

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory


def payload_bytes(message: Message) -> int:
    """Sum of `Payload.data` sizes anywhere inside a protobuf message."""
    if isinstance(message, Payload):
        return len(message.data)
    total = 0
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
                    total += payload_bytes(item)
        else:
            total += payload_bytes(value)
    return total


def history_stats(history: WorkflowHistory) -> tuple[int, int]:
    return len(history.events), sum(payload_bytes(e) for e in history.events)
