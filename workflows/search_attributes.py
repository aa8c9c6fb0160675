"""Typed search attributes that make every case findable in the Temporal UI.

The dev-server launcher and the test fixtures register exactly this list.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

TICKET_ID = SearchAttributeKey.for_keyword("TicketId")
CUSTOMER_ID = SearchAttributeKey.for_keyword("CustomerId")
PROCESS = SearchAttributeKey.for_keyword("Process")
CASE_STATE = SearchAttributeKey.for_keyword("CaseState")
AMOUNT_CENTS = SearchAttributeKey.for_int("AmountCents")
INTENT = SearchAttributeKey.for_keyword("Intent")
DISPUTE_ID = SearchAttributeKey.for_keyword("DisputeId")
DISPUTE_REASON = SearchAttributeKey.for_keyword("DisputeReason")
EVIDENCE_DUE_BY = SearchAttributeKey.for_datetime("EvidenceDueBy")

ALL_KEYS: list[SearchAttributeKey[Any]] = [
    TICKET_ID,
    CUSTOMER_ID,
    PROCESS,
    CASE_STATE,
    AMOUNT_CENTS,
    INTENT,
    DISPUTE_ID,
    DISPUTE_REASON,
    EVIDENCE_DUE_BY,
]


def dev_server_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "INT": "Int", "DATETIME": "Datetime"}
    return [
        f"--search-attribute={key.name}={kinds[key.indexed_value_type.name]}" for key in ALL_KEYS
    ]
