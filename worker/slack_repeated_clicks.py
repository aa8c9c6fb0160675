"""Which Slack clicks repeat a decision already made, so a replayed or double click is told so
instead of being shown "Approved" again (Temporal would hand the first receipt back for it: the
Update id is the same)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable

from worker.approval_refusals import ApprovalRefused
from worker.slack_click_payloads import Decision, as_decision

# (request id, person id) -> the decision the CRM holds from that person on that request.
PriorDecision = Callable[[str, str], str | None]
# Bounds the in-memory record of accepted clicks; the CRM check covers anything older.
_REMEMBERED_DECISIONS = 10_000


class RepeatedClicks:
    """Decisions per (request id, person): delivered or being delivered by this process, and,
    through `prior_decision`, those the CRM holds from other processes and channels (known only
    once the workflow has recorded them; this process's memory covers the moments in between)."""

    def __init__(self, prior_decision: PriorDecision | None = None) -> None:
        self._prior_decision = prior_decision
        self._delivered: OrderedDict[tuple[str, str], Decision] = OrderedDict()
        self._in_flight: set[tuple[str, str]] = set()

    async def refusal(self, request_id: str, person: str) -> ApprovalRefused | None:
        """The refusal to show when this person already decided this request, else None."""
        key = (request_id, person)
        earlier = self._delivered.get(key)
        if earlier is None and key in self._in_flight:
            return ApprovalRefused(
                "already_decided",
                "You already clicked on this request; that decision is still being delivered.",
            )
        if earlier is None and self._prior_decision is not None:
            earlier = as_decision(await asyncio.to_thread(self._prior_decision, request_id, person))
        if earlier is None:
            return None
        done = "approved" if earlier == "approve" else "rejected"
        return ApprovalRefused(
            "already_decided", f"You already {done} this request; nothing more was done."
        )

    def claim(self, key: tuple[str, str]) -> bool:
        """Marks the decision as being delivered; False when it already is or was. Checking and
        claiming with no await in between keeps two copies of one click that both passed
        `refusal` (its lookups await) from both being delivered and both shown as decided."""
        if key in self._in_flight or key in self._delivered:
            return False
        self._in_flight.add(key)
        return True

    def release(self, key: tuple[str, str]) -> None:
        self._in_flight.discard(key)

    def remember(self, key: tuple[str, str], decision: Decision) -> None:
        self._delivered[key] = decision
        self._delivered.move_to_end(key)
        while len(self._delivered) > _REMEMBERED_DECISIONS:
            self._delivered.popitem(last=False)
