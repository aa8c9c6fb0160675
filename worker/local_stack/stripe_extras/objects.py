"""The objects the extras server keeps: plain dicts shaped like Stripe's, persisted as JSON.

Everything lives in one `ExtrasState`, written atomically after each change when a state file is
given (the dev stack keeps it under .data/ next to localstripe's), so a restarted stack still
knows its disputes, credit notes and webhook endpoints. Tests run it in memory.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Stripe's dispute statuses that still wait for the merchant or the card network.
OPEN_DISPUTE_STATUSES = frozenset(
    {"warning_needs_response", "warning_under_review", "needs_response", "under_review"}
)
# Where evidence may still be changed or submitted.
RESPONDABLE_STATUSES = frozenset({"warning_needs_response", "needs_response"})
EVIDENCE_FIELDS = (
    "access_activity_log",
    "billing_address",
    "cancellation_policy",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_explanation",
    "duplicate_charge_id",
    "product_description",
    "receipt",
    "refund_policy",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
    "uncategorized_text",
)
# Stripe's dispute fee (USD accounts), debited with the disputed amount and returned if won.
DISPUTE_FEE_CENTS = 1500


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


@dataclass
class ExtrasState:
    """All objects by kind and id, in creation order (Stripe lists newest first)."""

    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    balance_transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    credit_notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhook_endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None) -> ExtrasState:
        state = cls(path=path)
        if path is not None and path.exists():
            saved = json.loads(path.read_text())
            for kind in ("disputes", "balance_transactions", "credit_notes", "events"):
                getattr(state, kind).update(saved.get(kind, {}))
            state.webhook_endpoints.update(saved.get("webhook_endpoints", {}))
        return state

    def save(self) -> None:
        if self.path is None:
            return
        document = {
            "disputes": self.disputes,
            "balance_transactions": self.balance_transactions,
            "credit_notes": self.credit_notes,
            "events": self.events,
            "webhook_endpoints": self.webhook_endpoints,
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(document))
        os.replace(partial, self.path)

    def open_dispute_on(self, charge_id: str | None, payment_intent: str | None) -> dict[str, Any]:
        """The dispute that blocks refunds of this charge, or an empty dict."""
        for dispute in self.disputes.values():
            blocks = dispute["status"] in OPEN_DISPUTE_STATUSES or dispute["status"] == "lost"
            matches = (charge_id and dispute["charge"] == charge_id) or (
                payment_intent and dispute["payment_intent"] == payment_intent
            )
            if blocks and matches:
                return dispute
        return {}


def page(objects: list[dict[str, Any]], query: dict[str, Any], url: str) -> dict[str, Any]:
    """A Stripe list: newest first, `limit` (1..100, default 10), `starting_after` an id."""
    newest_first = sorted(objects, key=lambda o: (o["created"], o.get("_seq", 0)), reverse=True)
    limit = max(1, min(int(query.get("limit", 10)), 100))
    after = query.get("starting_after")
    if after:
        ids = [o["id"] for o in newest_first]
        newest_first = newest_first[ids.index(after) + 1 :] if after in ids else []
    chunk = newest_first[:limit]
    return {
        "object": "list",
        "data": [public(o) for o in chunk],
        "has_more": len(newest_first) > limit,
        "url": url,
    }


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """Without our bookkeeping fields (prefixed `_`)."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}
