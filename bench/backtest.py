"""Policy backtest benchmark: 10,000 recorded refund cases in a SQLite CRM, decided again under
the stricter demo policy, read and evaluated as `supportflow backtest` does.

`python -m bench.backtest` prints key=value lines. Seeding (bulk inserts of tickets, decision
facts and approvals, made with the shipped policy's own decisions) is timed apart; the figure
is `backtest_seconds_10k_cases`: reading the cases from the CRM plus the backtest over them.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.backtest_crm import Rows, timed_backtest
from policies.decision_facts import refund_case_facts
from policies.loader import load_refund_policy
from policies.refund_policy import RefundFacts, RefundPolicy, evaluate_refund
from worker.backtest import load_candidate

CASES = 10_000
CANDIDATE = (
    Path(__file__).resolve().parent.parent / "policies" / "demo" / "stricter_refund_policy.json"
)
START = datetime(2026, 6, 1, tzinfo=UTC)
HISTORIES = Path(__file__).resolve().parent.parent / "tests" / "histories"


def _rows(policy: RefundPolicy, count: int, seed: int = 13) -> tuple[Rows, Rows, Rows]:
    """Tickets, decision facts and approvals of `count` cases over 180 days: 2,000 customers,
    a third of the cases a second request on an order already refunded (cumulative limits)."""
    rng = random.Random(seed)
    tickets: Rows = []
    decisions: Rows = []
    approvals: Rows = []
    orders: dict[str, tuple[str, int, int, datetime]] = {}
    for i in range(count):
        now = START + timedelta(minutes=26 * i)
        customer = f"cus_{rng.randrange(2_000):05d}"
        tier = rng.choices(["standard", "gold", "vip"], [8, 2, 1])[0]
        if orders and rng.random() < 0.33:
            order_id = rng.choice(list(orders))
            customer, charge, refunded, placed = orders[order_id]
        else:
            order_id, charge, refunded = f"ord_{i:06d}", rng.randrange(1_000, 80_000), 0
            placed = now - timedelta(days=rng.uniform(0, 40))
        amount = max(min(rng.randrange(500, 60_000), charge - refunded), 1)
        facts = RefundFacts(
            customer_tier=tier,
            order_placed_at=placed,
            charge_amount_cents=charge,
            already_refunded_cents=refunded,
            requested_amount_cents=amount,
            recent_refund_count=rng.randrange(0, 4),
            refunded_on_order_in_window_cents=refunded,
            now=now,
        )
        decided = evaluate_refund(policy, facts)
        ticket_id, workflow_id = f"BT-{i:06d}", f"ticket-BT-{i:06d}"
        asks = decided.verdict.value == "needs_approval"
        answer = rng.choices(["approved", "rejected", "expired"], [8, 1, 1])[0] if asks else None
        paid = decided.verdict.value == "auto_approve" or answer == "approved"
        state = "resolved" if paid else ("denied" if not asks else answer or "expired")
        if paid:
            orders[order_id] = (customer, charge, refunded + decided.amount_cents, placed)
        tickets.append(
            {
                "id": ticket_id,
                "customer_id": customer,
                "order_id": order_id,
                "process": "refund",
                "status": state,
                "workflow_id": workflow_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        decisions.append(
            {
                "dedupe_key": f"outcome:{workflow_id}:0",
                "ticket_id": ticket_id,
                "workflow_id": workflow_id,
                "process": "refund",
                "policy_version": policy.version,
                "decided_at": now,
                "verdict": decided.verdict.value,
                "rule": decided.rule,
                "amount_cents": decided.amount_cents,
                "approval_level": decided.approval_level,
                "required_approvals": decided.required_approvals,
                "facts": refund_case_facts(policy, customer, order_id, facts).model_dump(
                    mode="json"
                ),
            }
        )
        if asks:
            approvals.append(
                {
                    "ticket_id": ticket_id,
                    "workflow_id": workflow_id,
                    "request_id": f"req-{i:06d}",
                    "level": decided.approval_level,
                    "amount_cents": decided.amount_cents,
                    "currency": "usd",
                    "required_approvals": decided.required_approvals,
                    "approvers": [],
                    "requested_by": "customer",
                    "rule": decided.rule,
                    "reason": decided.reason,
                    "status": answer,
                    "expires_at": now + timedelta(hours=24),
                    "created_at": now,
                }
            )
    return tickets, decisions, approvals


def _history_replays() -> tuple[int, float, float]:
    """Cases whose facts only Temporal has are replayed in batches on one replayer: the stored
    refund and billing-dispute histories (tests/histories) three times over, replay only (no
    server fetch). Returns their count, the seconds of a first replay of one history (the
    sandbox imports the workflow modules once per process) and the milliseconds per history
    after it."""
    from integrations.codec_keys import StaticKeyRing
    from worker.backtest_history import decisions_in_histories
    from worker.data_converter import data_converter
    from worker.replay import case_workflows, load_history_file

    # A throwaway key: the stored histories' payloads are plain, as the codec passes them
    # through, so the bench needs no configured key and never reads the operator's.
    converter = data_converter(ring=StaticKeyRing({"bench": secrets.token_bytes(32)}))

    paths = sorted(HISTORIES.glob("refund_*.json")) + sorted(
        HISTORIES.glob("billing_dispute_*.json")
    )
    histories = [load_history_file(path) for path in paths] * 3
    start = time.perf_counter()
    asyncio.run(decisions_in_histories(histories[:1], case_workflows(), converter))
    first = time.perf_counter() - start
    start = time.perf_counter()
    asyncio.run(decisions_in_histories(histories, case_workflows(), converter))
    return len(histories), first, (time.perf_counter() - start) / len(histories) * 1000


def main() -> dict[str, str]:
    policy = load_refund_policy().policy
    candidate = load_candidate(CANDIDATE, "refund")
    timed = timed_backtest(candidate, "refund", lambda: _rows(policy, CASES))
    report = timed.report
    # After the 10k measurement: replays start the Temporal runtime's threads in this process.
    histories, first_replay, replay_ms = _history_replays()
    return {
        "backtest_history_replays": str(histories),
        "backtest_history_first_replay_seconds": f"{first_replay:.2f}",
        "backtest_history_replay_ms_per_case": f"{replay_ms:.1f}",
        "backtest_cases": str(report.cases),
        "backtest_seconds_10k_cases": f"{timed.total_seconds:.2f}",
        "backtest_read_seconds": f"{timed.read_seconds:.2f}",
        "backtest_evaluate_seconds": f"{timed.evaluate_seconds:.2f}",
        "backtest_changed_cases": str(report.changed),
        "backtest_seed_seconds": f"{timed.seed_seconds:.2f}",
    }


if __name__ == "__main__":
    for key, value in main().items():
        print(f"{key}={value}", flush=True)
