"""Money and refund counts of the cases a backtest has already replayed, as they happened and as
they would have under the candidate policy.

A recorded case's cumulative figures (refunds on the order within the window, the customer's
refund count) were read from the systems of record when it decided, so they include what earlier
cases paid. Under a candidate policy an earlier case may pay more or less; the ledger gives the
difference to apply, counted over the deciding policy's window for what happened and over the
candidate's window for what would have. Money moved outside the recorded cases (a refund made
by staff in Stripe) stays in the recorded figure as it was read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class _Moved:
    at: datetime
    actual_cents: int
    candidate_cents: int


class CaseLedger:
    """Replayed cases by the order (or charge) their money is on, and by customer."""

    def __init__(self) -> None:
        self._money: dict[str, list[_Moved]] = defaultdict(list)
        self._refunds: dict[str, list[_Moved]] = defaultdict(list)

    def add(
        self,
        customer_id: str,
        at: datetime,
        money: Mapping[str, tuple[int, int]],
    ) -> None:
        """One replayed case: per money key, (cents actually moved, cents the candidate moves)."""
        for key, (actual, candidate) in money.items():
            self._money[key].append(_Moved(at, actual, candidate))
        actual_total = sum(a for a, _ in money.values())
        candidate_total = sum(c for _, c in money.values())
        self._refunds[customer_id].append(
            _Moved(at, int(actual_total > 0), int(candidate_total > 0))
        )

    def money_delta(
        self, key: str, now: datetime, actual_days: int | None, candidate_days: int | None
    ) -> int:
        """Candidate minus actual money of earlier cases on `key`, each within its window
        (None: since ever)."""
        return _delta(self._money.get(key, ()), now, actual_days, candidate_days)

    def refund_count_delta(
        self, customer_id: str, now: datetime, actual_days: int, candidate_days: int
    ) -> int:
        return _delta(self._refunds.get(customer_id, ()), now, actual_days, candidate_days)


def _delta(
    entries: list[_Moved] | tuple[()],
    now: datetime,
    actual_days: int | None,
    candidate_days: int | None,
) -> int:
    actual_since = None if actual_days is None else now - timedelta(days=actual_days)
    candidate_since = None if candidate_days is None else now - timedelta(days=candidate_days)
    delta = 0
    for entry in entries:
        if candidate_since is None or entry.at >= candidate_since:
            delta += entry.candidate_cents
        if actual_since is None or entry.at >= actual_since:
            delta -= entry.actual_cents
    return delta
